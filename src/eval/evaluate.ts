import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import type { EmbeddingModel } from '../embedding/model.js';
import { heldOutParts, type SplitRecord } from '../embedding/split.js';
import { CalibratedTagger } from '../embedding/tagger.js';
import { tokenize } from '../embedding/text.js';
import type { CompleteEvaluation } from '../complete/evaluate.js';
import { evaluateCompleteVersion } from '../services/complete.js';
import { loadVersionModel, versionDir } from '../services/project.js';
import type { Queryable } from '../store/db.js';
import { itemsWithVectors, type ItemWithFeatures } from '../store/training.js';
import { listVersions } from '../store/vectors.js';
import { KnnTagger, cosineTopK, normalizedCopy } from './knn.js';
import { cappedRecallAtK, evaluateRetrieval, mean, multiLabelF1, averagePrecisionAtK, type RetrievalReport } from './metrics.js';

const K = 10;

/** The retrieval metrics each side reports (all @10), in the order tables print them. */
export const RETRIEVAL_METRICS = Object.freeze(['recall', 'fullRecall', 'precision', 'map', 'ndcg'] as const);

export interface RetrievalSummary {
  queries: number;
  /** hits / min(10, relevant). */
  recall: number;
  /** The textbook hits / relevant (small under big classes; weighs small classes more in the mean). */
  fullRecall: number;
  precision: number;
  map: number;
  ndcg: number;
}

export interface SideMetrics {
  retrieval: { label: RetrievalSummary | null; group: RetrievalSummary | null };
  tagging: { microF1: number; macroF1: number } | null;
}

/** generic vs trained on one part of the held-out split, retrieval within that part. */
export interface PartEvaluation {
  items: number;
  generic: SideMetrics;
  trained: SideMetrics;
  lift: Record<string, number>;
}

export interface VersionEvaluation {
  name: string;
  base: string;
  heldOut: number;
  /** All held-out items together (the headline). */
  generic: SideMetrics;
  trained: SideMetrics;
  /**
   * newItems: held-out items with a group that keeps at least one training member (a new listing from a
   * known seller); newGroups: grouped items none of whose groups training saw (a new seller, board or
   * outfit). Null when the split has no such part.
   */
  parts: { newItems: PartEvaluation | null; newGroups: PartEvaluation | null };
  calibration: { eceRaw: number; eceCalibrated: number; microF1Calibrated: number; pairs: number } | null;
  text: { queries: number; recall: number; map: number; keywordRecall: number; keywordMap: number } | null;
  /** trained / generic for each metric both sides have. */
  lift: Record<string, number>;
  /** Complete-the-group Recall@10 on the goes-with model's held-out groups (null: the version has none). */
  complete: CompleteEvaluation | null;
}

export interface EvalReport {
  k: number;
  protocol: string;
  versions: VersionEvaluation[];
}

function summary(r: RetrievalReport): RetrievalSummary | null {
  if (!r.queries) return null;
  // Recall@10 is reported capped (hits / min(10, relevant)) so classes of any size weigh alike.
  return { queries: r.queries, recall: r.cappedRecall, fullRecall: r.recall, precision: r.precision, map: r.map, ndcg: r.ndcg };
}

function retrieval(ids: string[], vecs: Map<string, Float32Array>, relevant: (a: string, b: string) => boolean): RetrievalSummary | null {
  return summary(evaluateRetrieval({ candidateIds: ids, candidateVectors: ids.map((id) => vecs.get(id)!), queries: ids, relevant, k: K }));
}

const overlap = (field: 'labels' | 'groups', byId: Map<string, ItemWithFeatures>) => (a: string, b: string) => {
  const la = byId.get(a)![field];
  return byId.get(b)![field].some((x) => la.includes(x));
};

function side(held: string[], ref: string[], vecs: Map<string, Float32Array>, byId: Map<string, ItemWithFeatures>): SideMetrics {
  const labelled = held.filter((id) => byId.get(id)!.labels.length);
  const grouped = held.filter((id) => byId.get(id)!.groups.length);
  const refLabelled = ref.filter((id) => byId.get(id)!.labels.length);
  let tagging: SideMetrics['tagging'] = null;
  if (labelled.length && refLabelled.length) {
    const knn = new KnnTagger(
      refLabelled.map((id) => vecs.get(id)!),
      refLabelled.map((id) => byId.get(id)!.labels),
    );
    const f1 = multiLabelF1(
      labelled.map((id) => byId.get(id)!.labels),
      labelled.map((id) => knn.predict(vecs.get(id)!, 0.5)),
    );
    tagging = { microF1: f1.microF1, macroF1: f1.macroF1 };
  }
  return {
    retrieval: {
      label: labelled.length ? retrieval(labelled, vecs, overlap('labels', byId)) : null,
      group: grouped.length ? retrieval(grouped, vecs, overlap('groups', byId)) : null,
    },
    tagging,
  };
}

/** Text search quality: each held-out label as a query, relevant = held-out items carrying it. */
function textSearch(model: EmbeddingModel, held: string[], vecs: Map<string, Float32Array>, byId: Map<string, ItemWithFeatures>): VersionEvaluation['text'] {
  if (!model.hasTextTower) return null;
  const labelled = held.filter((id) => byId.get(id)!.labels.length);
  const labels = [...new Set(labelled.flatMap((id) => byId.get(id)!.labels))].sort();
  if (!labels.length) return null;
  const rows = normalizedCopy(labelled.map((id) => vecs.get(id)!));
  // Keyword baseline: what a plain search over the held-out items' own words (title, description) finds.
  const words = labelled.map((id) => new Set(tokenize(`${byId.get(id)!.title ?? ''} ${byId.get(id)!.description ?? ''}`)));
  const rec: number[] = [];
  const ap: number[] = [];
  const kwRec: number[] = [];
  const kwAp: number[] = [];
  for (const label of labels) {
    const truth = labelled.map((id) => byId.get(id)!.labels.includes(label));
    const numRelevant = truth.filter(Boolean).length;
    const hits = cosineTopK(model.embedText(label), rows, K).map((r) => truth[r.index]!);
    rec.push(cappedRecallAtK(hits, numRelevant, K));
    ap.push(averagePrecisionAtK(hits, numRelevant, K));
    const q = tokenize(label);
    const kwScores = words.map((w, i) => ({ i, s: q.filter((t) => w.has(t)).length }));
    const kwHits = kwScores
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, K)
      .map((x) => truth[x.i]!);
    kwRec.push(cappedRecallAtK(kwHits, numRelevant, K));
    kwAp.push(averagePrecisionAtK(kwHits, numRelevant, K));
  }
  return { queries: labels.length, recall: mean(rec), map: mean(ap), keywordRecall: mean(kwRec), keywordMap: mean(kwAp) };
}

function lifts(generic: SideMetrics, trained: SideMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of ['label', 'group'] as const) {
    const g = generic.retrieval[kind];
    const t = trained.retrieval[kind];
    if (!g || !t) continue;
    for (const m of RETRIEVAL_METRICS) if (g[m] > 0) out[`${kind}.${m}@${K}`] = t[m] / g[m];
  }
  if (generic.tagging && trained.tagging && generic.tagging.microF1 > 0) out['tagging.microF1'] = trained.tagging.microF1 / generic.tagging.microF1;
  return out;
}

/**
 * Evaluates one trained version against its base on the items it never saw (its recorded held-out
 * split). Held-out items are projected without their labels, as an unlabelled upload would be.
 */
export async function evaluateVersion(db: Queryable, paths: DataPaths, name: string, base: string): Promise<VersionEvaluation> {
  const split = JSON.parse(fs.readFileSync(path.join(versionDir(paths, name), 'split.json'), 'utf8')) as SplitRecord;
  const model = await loadVersionModel(paths, name);
  const items = await itemsWithVectors(db, base);
  const byId = new Map(items.map((it) => [it.id, it]));
  const held = split.heldOut.filter((id) => byId.has(id));
  const heldSet = new Set(held);
  const fit = split.fitIds.filter((id) => byId.has(id));
  const val = split.validationIds.filter((id) => byId.has(id));
  const generic = new Map(items.map((it) => [it.id, it.features]));
  const unseen = new Set([...held, ...val]);
  const projected = model.project(
    items.map((it) => it.features),
    items.map((it) => [it.title, it.description, ...(unseen.has(it.id) ? [] : it.labels)].filter(Boolean).join(' \n ')),
  );
  const trained = new Map(items.map((it, i) => [it.id, projected[i]!]));
  const g = side(held, fit, generic, byId);
  const t = side(held, fit, trained, byId);
  const part = (ids: string[]): PartEvaluation | null => {
    if (!ids.length) return null;
    const [pg, pt] = [side(ids, fit, generic, byId), side(ids, fit, trained, byId)];
    return { items: ids.length, generic: pg, trained: pt, lift: lifts(pg, pt) };
  };
  const { newItems, newGroups } = heldOutParts(
    held,
    items.map((it) => it.id).filter((id) => !heldSet.has(id)),
    (id) => byId.get(id)!.groups,
  );

  let calibration: VersionEvaluation['calibration'] = null;
  const lv = (ids: string[]) => {
    const l = ids.filter((id) => byId.get(id)!.labels.length);
    return { vectors: l.map((id) => trained.get(id)!), labels: l.map((id) => byId.get(id)!.labels) };
  };
  const [ref, cal, test] = [lv(fit), lv(val), lv(held)];
  if (ref.vectors.length && cal.vectors.length && test.vectors.length) {
    const r = CalibratedTagger.fit(ref, cal).evaluate(test);
    calibration = { eceRaw: r.eceRaw, eceCalibrated: r.eceCalibrated, microF1Calibrated: r.microF1Calibrated, pairs: r.pairs };
  }
  return {
    name,
    base,
    heldOut: heldSet.size,
    generic: g,
    trained: t,
    parts: { newItems: part(newItems), newGroups: part(newGroups) },
    calibration,
    text: textSearch(model, held, trained, byId),
    lift: lifts(g, t),
    complete: await evaluateCompleteVersion(db, paths, name, base),
  };
}

/** `loupe eval`: every ready trained version against its base, each on its own held-out split. */
export async function evaluateAll(db: Queryable, paths: DataPaths, only?: string): Promise<EvalReport> {
  const versions = (await listVersions(db)).filter((v) => v.kind === 'trained' && v.status === 'ready' && (!only || v.name === only));
  const out: VersionEvaluation[] = [];
  for (const v of versions) out.push(await evaluateVersion(db, paths, v.name, String(v.config.base ?? 'generic')));
  return {
    k: K,
    protocol:
      'Each trained version is scored on its seeded held-out split, which training never saw: when the catalogue has groups, ' +
      'half of it is whole groups and half single items; parts.newItems holds the held-out items with a group that keeps a ' +
      'training member (new items in known groups), parts.newGroups the grouped items whose groups training never saw; its base (generic) vectors are scored on the same items. Retrieval: each ' +
      'held-out item queries the other held-out items (of its part, for parts); relevant = shares a label (or a group); ' +
      'recall@10 = hits / min(10, relevant), fullRecall@10 = hits / relevant. Tagging: kNN (k=10) ' +
      'over the training items, labels with score >= 0.5. Text: each held-out label as a query vs a keyword match on title/description. ' +
      'Complete: 30% of groups held out of the goes-with model (seeded); each member queries the whole catalogue, ' +
      'recall@10 = its group-mates in the top 10 / min(10, mates), generic neighbours vs goes-with.',
    versions: out,
  };
}
