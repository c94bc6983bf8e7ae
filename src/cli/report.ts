import path from 'node:path';
import { runReport } from '../app/report.js';
import type { ProofReport } from '../report/proof.js';
import { loadPriceTable } from '../report/cost.js';
import { metricName } from '../report/metric-names.js';
import { writeReport } from '../report/write.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';

const signedPct = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '-'}${Math.abs(v * 100).toFixed(0)}%` : '-');

function summary(r: ProofReport, html: string | null): string {
  const h = r.headline;
  const lines = [
    h.accuracyLift ? `accuracy: ${h.accuracyLift.version} vs generic ${signedPct(h.accuracyLift.relativeLift)} on ${metricName(h.accuracyLift.metric)}` : 'accuracy: no trained version yet',
    `cheaper per request than ${r.cost.cheapestApi}: ${Number(h.costRatio.toPrecision(3))}x`,
    `latency (more like this, ${r.latency.version}): precomputed p50 ${r.latency.precomputed.p50Ms.toFixed(3)} ms / p99 ${r.latency.precomputed.p99Ms.toFixed(3)} ms; encoding at request time p50 ${r.latency.requestTime.p50Ms.toFixed(1)} ms / p99 ${r.latency.requestTime.p99Ms.toFixed(1)} ms (${h.latencyRatioP50.toFixed(0)}x)`,
    r.detection
      ? `shop the look (detecting objects in an uploaded photo): p50 ${r.detection.p50Ms.toFixed(0)} ms / p99 ${r.detection.p99Ms.toFixed(0)} ms over ${r.detection.photos} photos (model load ${r.detection.loadMs.toFixed(0)} ms)`
      : 'shop the look: detection not measured (the detector did not load)',
    `cost per 1,000 requests: Loupe $${r.cost.own.precomputedUsdPer1kRequests.toPrecision(3)} (precomputed), $${r.cost.own.requestTimeUsdPer1kRequests.toPrecision(3)} (encode at request time)`,
    ...r.cost.apis.map((a) => `  ${a.name}: $${a.usdPer1kRequests.toPrecision(3)} (${a.inputTokensPerImage.toFixed(0)} input tokens per image)`),
    `cost per 1M catalogue images: Loupe $${r.cost.own.encodeUsdPer1MImages.toPrecision(3)}; ${r.cost.apis.map((a) => `${a.id} $${a.usdPer1MImages.toPrecision(3)}`).join(', ')} (prices as of ${r.prices.asOf})`,
    ...(html ? [`report: ${html}`] : []),
  ];
  return lines.join('\n');
}

function positiveNumber(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${String(raw)}`);
  return n;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Proof report: accuracy vs generic, latency, cost vs vision APIs, backbones, data quality (HTML + charts)',
  usage: 'loupe report --out DIR [--json] [--prices FILE] [--vcpu-hour-usd X] [--output-tokens N] [--sample N]',
  options: {
    out: { type: 'string', value: 'DIR', description: 'write report.html, report.json and charts/*.svg|png into DIR' },
    prices: { type: 'string', value: 'FILE', description: 'price table JSON (default: the shipped, dated src/report/prices.json)' },
    'vcpu-hour-usd': { type: 'string', value: 'X', description: 'price of one vCPU-hour for own compute (default from the price table, 0.04)' },
    'output-tokens': { type: 'string', value: 'N', description: 'output tokens an API answer costs per request (default from the price table, 50)' },
    version: { type: 'string', value: 'NAME', description: 'version to time (default: the promoted one)' },
    sample: { type: 'string', value: 'N', description: 'items timed for latency and encode cost (default 40)' },
    'no-feed': { type: 'boolean', description: 'skip the feed evaluation' },
    'no-quality': { type: 'boolean', description: 'skip the data-quality section' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const out = values.out as string | undefined;
    if (!out && !ctx.json) throw new UsageError('give --out DIR for the HTML report, or --json for the numbers');
    const pricesFile = values.prices as string | undefined;
    const prices = loadPriceTable(pricesFile);
    const sample = intOption(values, 'sample', 40, 2, 10_000);
    const outputTokens = values['output-tokens'] === undefined ? undefined : intOption(values, 'output-tokens', 50, 0, 1_000_000);
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const encoders = new EncoderPool(paths);
      try {
        const report = await runReport(
          { db, paths, indexes, encoders },
          {
            prices,
            pricesFile: pricesFile ? path.resolve(pricesFile) : 'src/report/prices.json',
            vcpuHourUsd: positiveNumber(values['vcpu-hour-usd'], 'vcpu-hour-usd'),
            outputTokens,
            version: values.version as string | undefined,
            sample,
            feed: !values['no-feed'],
            quality: !values['no-quality'],
            log: ctx.log,
          },
        );
        const written = out ? await writeReport(out, report, paths) : null;
        ctx.print(report, summary(report, written?.html ?? null));
        return 0;
      } finally {
        await encoders.close();
      }
    });
  },
};
