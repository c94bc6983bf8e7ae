/**
 * Shared bench protocol for user embeddings: seeded held-out split (whole groups), train on the rest,
 * then compare generic vs trained vectors on the held-out items only.
 */
import { KnnTagger } from '../src/eval/knn.js';
import { evaluateRetrieval, multiLabelF1, sharesLabel, type RetrievalReport } from '../src/eval/metrics.js';
import { heldOutParts, splitItems, subset, type SplitMode } from '../src/embedding/split.js';
import { CalibratedTagger, type TaggingReport } from '../src/embedding/tagger.js';
import { trainEmbedding, type TrainReport, type TrainOptions } from '../src/embedding/train.js';
import type { TrainingItem } from '../src/embedding/types.js';

export interface BenchResult {
  readonly heldOutItems: number;
  readonly heldOutQueries: number;
  readonly withinHeldOut: { readonly generic: RetrievalReport; readonly trained: RetrievalReport };
  /** Items held out alone (their group seen in training) / members of groups held out whole; each queries its own part. */
  readonly newItems: { readonly generic: RetrievalReport; readonly trained: RetrievalReport } | null;
  readonly newGroups: { readonly generic: RetrievalReport; readonly trained: RetrievalReport } | null;
  readonly againstCatalogue: { readonly generic: RetrievalReport; readonly trained: RetrievalReport };
  readonly tagging: { readonly genericMicroF1: number; readonly trainedMicroF1: number; readonly calibrated: TaggingReport };
  readonly train: TrainReport;
  readonly trainSeconds: number;
}

export async function runBench(
  items: readonly TrainingItem[],
  opts: { seed: number; signals: TrainOptions['signals']; k?: number; log?: (m: string) => void; baseline?: ReadonlyMap<string, Float32Array>; train?: Partial<TrainOptions>; by?: SplitMode },
): Promise<BenchResult> {
  const k = opts.k ?? 10;
  const log = opts.log ?? ((m: string) => console.log(m));
  const split = splitItems(items, { seed: opts.seed, fraction: 0.2, ...(opts.by ? { by: opts.by } : {}) });
  const trainData = subset({ items }, split.train);
  log(`items ${items.length}: train ${split.train.length}, held out ${split.heldOut.length} (${split.heldOutGroups.length} whole groups; split by ${opts.by ?? 'default'})`);

  const t0 = Date.now();
  let lastEpoch = 0;
  const { model, report } = await trainEmbedding(trainData, {
    ...opts.train,
    seed: opts.seed,
    signals: opts.signals,
    onProgress: (p) => {
      if (p.phase === 'embedding' && p.epoch !== lastEpoch && p.epoch > 1 && p.step % p.stepsPerEpoch === 1) {
        lastEpoch = p.epoch;
        log(`  epoch ${p.epoch - 1}: loss ${p.loss.toFixed(3)}  val mAP@10 ${p.valMetric.toFixed(4)}  ${p.stepsPerSecond.toFixed(2)} steps/s  ${(p.elapsedMs / 1000).toFixed(1)} s`);
      }
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  log(
    `trained in ${trainSeconds.toFixed(1)} s: ${report.epochs} epochs, ${report.steps} steps, best epoch ${report.bestEpoch} (val mAP@10 ${report.initialValMetric.toFixed(4)} -> ${report.bestValMetric.toFixed(4)}), stopped by ${report.stoppedBy}`,
  );

  const byId = new Map(items.map((it) => [it.id, it]));
  const labelled = (ids: readonly string[]) => ids.filter((id) => (byId.get(id)!.labels?.length ?? 0) > 0);
  const held = labelled(split.heldOut);
  const all = labelled(items.map((it) => it.id));
  const labels = new Map(all.map((id) => [id, byId.get(id)!.labels!]));
  const relevant = sharesLabel(labels);
  const generic = new Map(all.map((id) => [id, opts.baseline?.get(id) ?? byId.get(id)!.features]));
  const projected = model.project(all.map((id) => byId.get(id)!.features));
  const trained = new Map(all.map((id, i) => [id, projected[i]!]));
  const evalOn = (cands: readonly string[], vecs: Map<string, Float32Array>, queries: readonly string[] = held) =>
    evaluateRetrieval({ candidateIds: cands, candidateVectors: cands.map((id) => vecs.get(id)!), queries, relevant, k });

  // Tagging: kNN reference = labelled fit items; calibration = the trainer's validation items.
  const fit = labelled(report.fitIds);
  const val = labelled(report.validationIds);
  const lv = (ids: readonly string[], vecs: Map<string, Float32Array>) => ({ vectors: ids.map((id) => vecs.get(id)!), labels: ids.map((id) => labels.get(id)!) });
  const trainIds = labelled(split.train);
  const genericTagger = new KnnTagger(
    trainIds.map((id) => generic.get(id)!),
    trainIds.map((id) => labels.get(id)!),
    { k },
  );
  const trainedTagger = new KnnTagger(
    trainIds.map((id) => trained.get(id)!),
    trainIds.map((id) => labels.get(id)!),
    { k },
  );
  const truth = held.map((id) => labels.get(id)!);
  const calibrated = CalibratedTagger.fit(lv(fit, trained), lv(val, trained), { k }).evaluate(lv(held, trained));
  const parts = heldOutParts(held, split.train, (id) => byId.get(id)!.groups ?? []);
  const within = (ids: string[]) => (ids.length && parts.newItems.length && parts.newGroups.length ? { generic: evalOn(ids, generic, ids), trained: evalOn(ids, trained, ids) } : null);
  return {
    heldOutItems: split.heldOut.length,
    heldOutQueries: held.length,
    withinHeldOut: { generic: evalOn(held, generic), trained: evalOn(held, trained) },
    newItems: within(parts.newItems),
    newGroups: within(parts.newGroups),
    againstCatalogue: { generic: evalOn(all, generic), trained: evalOn(all, trained) },
    tagging: {
      genericMicroF1: multiLabelF1(
        truth,
        held.map((id) => genericTagger.predict(generic.get(id)!)),
      ).microF1,
      trainedMicroF1: multiLabelF1(
        truth,
        held.map((id) => trainedTagger.predict(trained.get(id)!)),
      ).microF1,
      calibrated,
    },
    train: report,
    trainSeconds,
  };
}

export function printResult(r: BenchResult, log = (m: string) => console.log(m)): void {
  const rows: [string, keyof RetrievalReport][] = [
    ['precision@10 (share of top 10 with the query label)', 'precision'],
    ['recall@10 / min(10, #relevant)', 'cappedRecall'],
    ['recall@10 (standard, / #relevant)', 'recall'],
    ['hit rate@10', 'hitRate'],
    ['mAP@10', 'map'],
    ['NDCG@10', 'ndcg'],
  ];
  const sets = [
    ['held-out queries vs held-out items', r.withinHeldOut],
    ['new items in known groups (held out alone) vs each other', r.newItems],
    ['members of whole held-out groups vs each other', r.newGroups],
    ['held-out queries vs whole catalogue', r.againstCatalogue],
  ] as const;
  for (const [title, set] of sets) {
    if (!set) continue;
    log(`\n${title} (${set.generic.queries} queries):`);
    log(`  ${'metric'.padEnd(54)} ${'generic'.padStart(8)} ${'trained'.padStart(8)} ${'ratio'.padStart(7)}`);
    for (const [name, key] of rows) {
      const g = set.generic[key] as number;
      const t = set.trained[key] as number;
      log(`  ${name.padEnd(54)} ${g.toFixed(4).padStart(8)} ${t.toFixed(4).padStart(8)} ${(t / g).toFixed(3).padStart(7)}x`);
    }
  }
  const tg = r.tagging;
  log(`\ntagging held-out items (kNN k=10, labels with score >= 0.5):`);
  log(`  micro-F1 generic ${tg.genericMicroF1.toFixed(4)}  trained ${tg.trainedMicroF1.toFixed(4)}  ratio ${(tg.trainedMicroF1 / tg.genericMicroF1).toFixed(3)}x`);
  log(
    `  calibrated (Platt on validation items): micro-F1 ${tg.calibrated.microF1Calibrated.toFixed(4)}, ECE raw ${tg.calibrated.eceRaw.toFixed(4)} -> calibrated ${tg.calibrated.eceCalibrated.toFixed(4)} over ${tg.calibrated.pairs} proposed (item, label) pairs`,
  );
  log(`\ntraining: ${r.trainSeconds.toFixed(1)} s on ${r.train.backend} (${r.train.stepsPerSecond.toFixed(2)} steps/s, ${r.train.epochs} epochs)`);
}
