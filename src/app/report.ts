/**
 * The proof report (`loupe report`, `POST /api/report`): accuracy against generic, latency of the
 * serving paths, cost against vision APIs, backbones and data quality, measured in this process.
 */
import os from 'node:os';
import type { DataPaths } from '../config.js';
import { evaluateAll, type VersionEvaluation } from '../eval/evaluate.js';
import { evaluateFeedsOnStore } from '../graph/io/feed-eval.js';
import type { IndexRegistry } from '../index/registry.js';
import { analyseQuality } from './quality.js';
import { accuracySection, heldOutIds, modelBytes, projectionCpuPerItem, retrievalOn } from '../report/accuracy.js';
import { computeUsd, meanApiCost, ownCost, type PriceTable } from '../report/cost.js';
import { reportState, saveLatestReport } from '../report/latest.js';
import type { BackbonePoint, ProofReport } from '../report/proof.js';
import type { Db } from '../store/db.js';
import { catalogueImageSizes, sampleImages } from '../store/report.js';
import { resolveVersion } from '../store/served-version.js';
import { vectorCounts } from '../store/vector-counts.js';
import { listVersions, promotedVersion } from '../store/vectors.js';
import { ensureNsfwjsOnnx } from '../vision/convert.js';
import type { EncoderPool } from '../vision/encoder-pool.js';
import type { AppServices } from './context.js';
import { parseEncoderSpec } from '../vision/encoders.js';
import { encoderSpecOf } from '../vision/query-vectors.js';
import { measureDetection, measureEncodeCpu, measureLatency } from './report-timing.js';

export interface BuildReportOptions {
  prices: PriceTable;
  pricesFile: string;
  vcpuHourUsd?: number | undefined;
  outputTokens?: number | undefined;
  version?: string | undefined;
  /** Items timed (default 40). */
  sample?: number;
  feed?: boolean;
  quality?: boolean;
  log?: (msg: string) => void;
}

/** Measures and gathers every number of the proof report. Reads only; times in this process. */
async function buildReport(db: Db, paths: DataPaths, indexes: IndexRegistry, pool: EncoderPool, opts: BuildReportOptions): Promise<ProofReport> {
  const log = opts.log ?? (() => undefined);
  const vcpuHourUsd = opts.vcpuHourUsd ?? opts.prices.vcpu_hour_usd;
  const outputTokens = opts.outputTokens ?? opts.prices.output_tokens_per_request;
  const version = await resolveVersion(db, opts.version);
  // First, so a version Loupe cannot encode into (imported vectors) is refused before the slow parts.
  const spec = await encoderSpecOf(db, version);

  log('accuracy: every trained version vs generic on its held-out items');
  const evalReport = await evaluateAll(db, paths);
  let feed: ProofReport['accuracy']['feed'] = null;
  if (opts.feed !== false) feed = await evaluateFeedsOnStore(db, indexes, { version }).catch((err: Error) => ({ skipped: err.message }));

  const sample = await sampleImages(db, version, opts.sample ?? 40);
  log(`latency: more like this for ${sample.length} items, precomputed vs encoded at request time`);
  const latency = await measureLatency(db, paths, indexes, pool, version, sample);
  const encode = { backbone: spec, ...(await measureEncodeCpu(paths, pool, spec, sample)) };
  log('detection: shop the look on a few of the sampled photos, model load apart');
  const detection = await measureDetection(paths, sample).catch((err: Error) => {
    log(`detection: skipped, the detector did not run: ${err.message}`);
    return null;
  });

  const sizes = await catalogueImageSizes(db);
  const photos = sizes.reduce((n, s) => n + s.count, 0);
  const apis = opts.prices.apis.map((a) => meanApiCost(a, sizes, outputTokens));
  const own = ownCost(
    { precomputedPerRequest: latency.precomputed.cpuSecondsPerRequest, requestTimePerRequest: latency.requestTime.cpuSecondsPerRequest, encodePerImage: encode.cpuSecondsPerImage },
    vcpuHourUsd,
  );
  const cheapest = [...apis].sort((a, b) => a.usdPer1kRequests - b.usdPer1kRequests)[0]!;

  log('backbones: each generic backbone with and without its trained versions');
  const backbones = await backbonePoints(db, paths, pool, sample, vcpuHourUsd, evalReport.versions, encode);

  const quality = opts.quality === false ? null : await analyseQuality(db, indexes, { version });
  const versions = accuracySection(evalReport);
  const served = await promotedVersion(db);
  const quoted = versions.find((v) => v.name === served && v.headline) ?? versions.filter((v) => v.headline).at(-1);
  return {
    generatedAt: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'cpu', cores: os.availableParallelism(), node: process.version, loadAverage: os.loadavg()[0]! },
    catalogue: {
      items: photos,
      meanWidth: sizes.reduce((s, x) => s + x.count * x.width, 0) / Math.max(1, photos),
      meanHeight: sizes.reduce((s, x) => s + x.count * x.height, 0) / Math.max(1, photos),
    },
    prices: {
      asOf: opts.prices.as_of,
      note: opts.prices.note ?? '',
      sources: Object.fromEntries(opts.prices.apis.map((a) => [a.id, a.sources])),
      outputTokensPerRequest: outputTokens,
      vcpuHourUsd,
      file: opts.pricesFile,
    },
    accuracy: { k: evalReport.k, protocol: evalReport.protocol, versions, feed },
    latency,
    detection,
    encode,
    cost: { own, apis, cheapestApi: cheapest.id, precomputedVsCheapestApi: own.precomputedUsdPer1kRequests / cheapest.usdPer1kRequests },
    backbones,
    quality,
    headline: {
      accuracyLift: quoted ? { version: quoted.name, metric: quoted.headline!.metric, relativeLift: quoted.headline!.relativeLift, served: quoted.name === served } : null,
      costSaving: 1 - own.precomputedUsdPer1kRequests / cheapest.usdPer1kRequests,
      costRatio: cheapest.usdPer1kRequests / own.precomputedUsdPer1kRequests,
      latencyRatioP50: latency.ratioP50,
    },
  };
}

/**
 * `loupe report` and the Report page's fresh run: measures everything, then keeps the result as the
 * latest run on this data (versions and catalogue as they were when it started), which both quote.
 */
export async function runReport(s: Pick<AppServices, 'db' | 'paths' | 'indexes' | 'encoders'>, opts: BuildReportOptions): Promise<ProofReport> {
  const state = await reportState(s.db);
  const report = await buildReport(s.db, s.paths, s.indexes, s.encoders, opts);
  saveLatestReport(s.paths, state, report);
  return report;
}

async function backboneFile(paths: DataPaths, spec: string): Promise<string> {
  const parsed = parseEncoderSpec(spec);
  return typeof parsed === 'string' ? ensureNsfwjsOnnx(paths.models, parsed) : parsed.path;
}

/**
 * One point per (backbone, with or without a trained version on top), scored by retrieval mAP@10 on
 * held-out items: a trained version and its base on that version's held-out split (as `loupe eval`,
 * items projected without their labels); a backbone with no trained version on the newest trained
 * version's held-out items, else on a sample of the catalogue.
 */
async function backbonePoints(
  db: Db,
  paths: DataPaths,
  pool: EncoderPool,
  sample: Parameters<typeof measureEncodeCpu>[3],
  vcpuHourUsd: number,
  evaluated: readonly VersionEvaluation[],
  served: { backbone: string; cpuSecondsPerImage: number },
): Promise<BackbonePoint[]> {
  const all = (await listVersions(db)).filter((v) => v.status === 'ready');
  const newest = evaluated[evaluated.length - 1];
  const ids = newest ? heldOutIds(paths, newest.name) : null;
  const usd = (c: number) => computeUsd(c * 1e6, vcpuHourUsd);
  const points: BackbonePoint[] = [];
  const counts = await vectorCounts(db);
  for (const g of all.filter((v) => v.kind === 'generic' && (counts.get(v.name) ?? 0) > 0)) {
    const spec = await encoderSpecOf(db, g.name);
    const bytes = modelBytes(await backboneFile(paths, spec));
    const cpu = spec === served.backbone ? served.cpuSecondsPerImage : (await measureEncodeCpu(paths, pool, spec, sample.slice(0, 16))).cpuSecondsPerImage;
    const common = { backbone: spec, modelBytes: bytes };
    const on = evaluated.filter((e) => e.base === g.name);
    if (!on.length) {
      const base = await retrievalOn(db, g.name, ids);
      if (base) points.push({ ...common, version: g.name, trained: false, ...base, cpuSecondsPerImage: cpu, usdPer1MImages: usd(cpu) });
      continue;
    }
    for (const e of on) {
      const kind = e.generic.retrieval.label && e.trained.retrieval.label ? 'label' : 'group';
      const gm = e.generic.retrieval[kind];
      const tm = e.trained.retrieval[kind];
      if (!gm || !tm) continue;
      const metric = `${kind}.map@10`;
      if (e === on[0]) points.push({ ...common, version: g.name, trained: false, metric, value: gm.map, items: gm.queries, cpuSecondsPerImage: cpu, usdPer1MImages: usd(cpu) });
      const total = cpu + (await projectionCpuPerItem(db, paths, e.name, g.name));
      points.push({ ...common, version: e.name, trained: true, metric, value: tm.map, items: tm.queries, cpuSecondsPerImage: total, usdPer1MImages: usd(total) });
    }
  }
  return points;
}
