import { exactInnerProduct } from '../index/usearch-graphs.js';
import fs from 'node:fs';
import path from 'node:path';
import { versionDir, type DataPaths } from '../config.js';
import { loadVersionModel, type EmbeddingModel } from '../embedding/model.js';
import { heldOutParts, type SplitRecord } from '../embedding/split.js';
import { CalibratedTagger } from '../embedding/tagger.js';
import { tokenize } from '../embedding/text.js';
import type { CompleteEvaluation } from '../complete/evaluate.js';
import { hasCompleteModel, loadCompleteModel } from '../complete/model.js';
import type { Queryable } from '../store/db.js';
import { itemsWithVectors, type ItemWithFeatures } from '../store/training.js';
import { itemColours } from '../vision/colour-cache.js';
import { getVersion, listVersions } from '../store/vectors.js';
import { KnnTagger, centredUnit, cosineTopK, meanRow, normalizedCopy } from './knn.js';
import { cappedRecallAtK, evaluateRetrieval, mean, multiLabelF1, averagePrecisionAtK, type RetrievalReport } from './metrics.js';

const K = 10;

/**
 * The named protocol `loupe eval` measures by. heldout-1: parts by how an item was drawn, lifts against the
 * raw generic vectors. heldout-2: parts by what training saw of each item's groups, and lifts against the
 * better of the raw and the mean-centred generic vectors (the old raw lifts stay in `liftRaw`).
 */
const EVAL_PROTOCOL = 'heldout-2';

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
  /**
   * Same-label retrieval of the held-out items (of the part, for parts) among the whole catalogue, training
   * items included: the more-like-this a shop serves for a new photo. Null without labels.
   */
  catalogue: RetrievalSummary | null;
  tagging: { microF1: number; macroF1: number } | null;
}

/** generic vs trained on one part of the held-out split, retrieval within that part. */
export interface PartEvaluation {
  items: number;
  generic: SideMetrics;
  /** The base vectors minus the training items' mean, unit length. */
  genericCentred: SideMetrics;
  trained: SideMetrics;
  /** trained / the better of generic and genericCentred, per metric. */
  lift: Record<string, number>;
  /** trained / generic (raw), the heldout-1 figure. */
  liftRaw: Record<string, number>;
}

/** How a version was trained and is measured: everything needed to rerun its figures. */
export interface VersionProtocol {
  name: string;
  seed: number;
  signals: string[];
  /** Share of items held out. */
  heldOut: number;
  split: string;
  /** Labels treated as absent in training and evaluation (catch-alls such as 'Not sure'). */
  ignoreLabels: string[];
  /** The commands that reproduce this version's figures on the same catalogue. */
  command: string;
}

export interface VersionEvaluation {
  name: string;
  base: string;
  heldOut: number;
  protocol: VersionProtocol;
  /** All held-out items together (the headline). */
  generic: SideMetrics;
  genericCentred: SideMetrics;
  trained: SideMetrics;
  /**
   * newItems: held-out items with a group that keeps at least one training member (a new listing from a
   * known seller); newGroups: grouped items none of whose groups training saw (a new seller, board or
   * outfit). Null when the split has no such part.
   */
  parts: { newItems: PartEvaluation | null; newGroups: PartEvaluation | null };
  calibration: { eceRaw: number; eceCalibrated: number; microF1Calibrated: number; pairs: number } | null;
  text: { queries: number; recall: number; map: number; keywordRecall: number; keywordMap: number } | null;
  /** trained / the better of generic and genericCentred, for each metric the sides have. */
  lift: Record<string, number>;
  /** trained / generic (raw): the heldout-1 lift. */
  liftRaw: Record<string, number>;
  /** Complete-the-group Recall@10 on the goes-with model's held-out groups (null: the version has none). */
  complete: CompleteEvaluation | null;
}

export interface EvalReport {
  k: number;
  protocolName: string;
  protocol: string;
  versions: VersionEvaluation[];
}

function summary(r: RetrievalReport): RetrievalSummary | null {
  if (!r.queries) return null;
  // Recall@10 is reported capped (hits / min(10, relevant)) so classes of any size weigh alike.
  return { queries: r.queries, recall: r.cappedRecall, fullRecall: r.recall, precision: r.precision, map: r.map, ndcg: r.ndcg };
}

function retrieval(ids: string[], vecs: Map<string, Float32Array>, relevant: (a: string, b: string) => boolean, among: readonly string[] = ids): RetrievalSummary | null {
  return summary(evaluateRetrieval({ candidateIds: among, candidateVectors: among.map((id) => vecs.get(id)!), queries: ids, relevant, k: K, search: exactInnerProduct }));
}

const overlap = (field: 'labels' | 'groups', byId: Map<string, ItemWithFeatures>) => (a: string, b: string) => {
  const la = byId.get(a)![field];
  return byId.get(b)![field].some((x) => la.includes(x));
};

function side(held: string[], ref: string[], vecs: Map<string, Float32Array>, byId: Map<string, ItemWithFeatures>, catalogue: readonly string[]): SideMetrics {
  const labelled = held.filter((id) => byId.get(id)!.labels.length);
  const grouped = held.filter((id) => byId.get(id)!.groups.length);
  const refLabelled = ref.filter((id) => byId.get(id)!.labels.length);
  let tagging: SideMetrics['tagging'] = null;
  if (labelled.length && refLabelled.length) {
    const knn = new KnnTagger(
      refLabelled.map((id) => vecs.get(id)!),
      refLabelled.map((id) => byId.get(id)!.labels),
      { search: exactInnerProduct },
    );
    const f1 = multiLabelF1(
      labelled.map((id) => byId.get(id)!.labels),
      knn.predictMany(
        labelled.map((id) => vecs.get(id)!),
        0.5,
      ),
    );
    tagging = { microF1: f1.microF1, macroF1: f1.macroF1 };
  }
  return {
    retrieval: {
      label: labelled.length ? retrieval(labelled, vecs, overlap('labels', byId)) : null,
      group: grouped.length ? retrieval(grouped, vecs, overlap('groups', byId)) : null,
    },
    catalogue: labelled.length ? retrieval(labelled, vecs, overlap('labels', byId), catalogue) : null,
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

function metricsOf(side: SideMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of ['label', 'group'] as const) {
    const r = side.retrieval[kind];
    if (r) for (const m of RETRIEVAL_METRICS) out[`${kind}.${m}@${K}`] = r[m];
  }
  if (side.catalogue) for (const m of RETRIEVAL_METRICS) out[`catalogue.label.${m}@${K}`] = side.catalogue[m];
  if (side.tagging) out['tagging.microF1'] = side.tagging.microF1;
  return out;
}

/** trained / the best baseline, metric by metric (a baseline missing a metric does not count for it). */
function lifts(baselines: readonly SideMetrics[], trained: SideMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  const bases = baselines.map(metricsOf);
  for (const [key, t] of Object.entries(metricsOf(trained))) {
    const best = Math.max(...bases.map((b) => b[key] ?? 0));
    if (best > 0) out[key] = t / best;
  }
  return out;
}

const quote = (s: string) => (/^[\w.,:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The protocol a version was trained under, read from its stored config (older versions: the defaults then). */
function versionProtocol(name: string, config: Record<string, unknown>): VersionProtocol {
  const seed = typeof config.seed === 'number' ? config.seed : 42;
  const signals = Array.isArray(config.signals) ? config.signals.map(String) : [];
  const heldOut = typeof config.heldOut === 'number' ? config.heldOut : 0.2;
  const split = typeof config.split === 'string' ? config.split : 'default';
  const ignoreLabels = Array.isArray(config.ignoreLabels) ? config.ignoreLabels.map(String) : [];
  const train = [
    `loupe train --name ${quote(name)} --seed ${seed}`,
    signals.length ? `--signals ${signals.join(',')}` : '',
    heldOut !== 0.2 ? `--held-out ${heldOut}` : '',
    split !== 'default' ? `--split ${split}` : '',
    ignoreLabels.length ? `--ignore-labels ${quote(ignoreLabels.join(','))}` : '',
  ].filter(Boolean);
  return { name: EVAL_PROTOCOL, seed, signals, heldOut, split, ignoreLabels, command: `${train.join(' ')} && loupe eval --version ${quote(name)}` };
}

/**
 * Evaluates one trained version against its base on the items it never saw (its recorded held-out
 * split). Held-out items are projected without their labels, as an unlabelled upload would be.
 */
export async function evaluateVersion(db: Queryable, paths: DataPaths, name: string, base: string): Promise<VersionEvaluation> {
  const split = JSON.parse(fs.readFileSync(path.join(versionDir(paths, name), 'split.json'), 'utf8')) as SplitRecord;
  const model = await loadVersionModel(paths, name);
  const protocol = versionProtocol(name, (await getVersion(db, name))?.config ?? {});
  const ignore = new Set(protocol.ignoreLabels);
  const items = (await itemsWithVectors(db, base)).map((it) => (ignore.size ? { ...it, labels: it.labels.filter((l) => !ignore.has(l)) } : it));
  const byId = new Map(items.map((it) => [it.id, it]));
  const held = split.heldOut.filter((id) => byId.has(id));
  const heldSet = new Set(held);
  const fit = split.fitIds.filter((id) => byId.has(id));
  const val = split.validationIds.filter((id) => byId.has(id));
  const generic = new Map(items.map((it) => [it.id, it.features]));
  const unseen = new Set([...held, ...val]);
  // Evaluation loads tfjs (serving never does): imported on use, for the projection's products.
  const { denseProduct, initTf } = await import('../embedding/tf.js');
  await initTf();
  const projected = model.project(
    items.map((it) => it.features),
    items.map((it) => [it.title, it.description, ...(unseen.has(it.id) ? [] : it.labels)].filter(Boolean).join(' \n ')),
    denseProduct,
  );
  const trained = new Map(items.map((it, i) => [it.id, projected[i]!]));
  // The mean comes from the items training saw, never from the held-out ones.
  const trainIds = [...fit, ...val];
  const mean = meanRow(trainIds.map((id) => generic.get(id)!));
  const centredRows = centredUnit(
    items.map((it) => it.features),
    mean,
  );
  const centred = new Map(items.map((it, i) => [it.id, centredRows[i]!]));
  const all = items.map((it) => it.id);
  const [g, gc, t] = [generic, centred, trained].map((vecs) => side(held, fit, vecs, byId, all)) as [SideMetrics, SideMetrics, SideMetrics];
  const part = (ids: string[]): PartEvaluation | null => {
    if (!ids.length) return null;
    const [pg, pgc, pt] = [generic, centred, trained].map((vecs) => side(ids, fit, vecs, byId, all)) as [SideMetrics, SideMetrics, SideMetrics];
    return { items: ids.length, generic: pg, genericCentred: pgc, trained: pt, lift: lifts([pg, pgc], pt), liftRaw: lifts([pg], pt) };
  };
  const { newItems, newGroups } = heldOutParts(held, trainIds, (id) => byId.get(id)!.groups);

  let calibration: VersionEvaluation['calibration'] = null;
  const lv = (ids: string[]) => {
    const l = ids.filter((id) => byId.get(id)!.labels.length);
    return { vectors: l.map((id) => trained.get(id)!), labels: l.map((id) => byId.get(id)!.labels) };
  };
  const [ref, cal, test] = [lv(fit), lv(val), lv(held)];
  if (ref.vectors.length && cal.vectors.length && test.vectors.length) {
    const r = CalibratedTagger.fit(ref, cal, { search: exactInnerProduct }).evaluate(test);
    calibration = { eceRaw: r.eceRaw, eceCalibrated: r.eceCalibrated, microF1Calibrated: r.microF1Calibrated, pairs: r.pairs };
  }
  return {
    name,
    base,
    heldOut: heldSet.size,
    protocol,
    generic: g,
    genericCentred: gc,
    trained: t,
    parts: { newItems: part(newItems), newGroups: part(newGroups) },
    calibration,
    text: textSearch(model, held, trained, byId),
    lift: lifts([g, gc], t),
    liftRaw: lifts([g], t),
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
    protocolName: EVAL_PROTOCOL,
    protocol:
      'Each trained version is scored on its seeded held-out split, which training never saw: when the catalogue has groups, ' +
      'half of it is whole groups and half single items; parts.newItems holds the held-out items with a group that keeps a ' +
      'training member (new items in known groups), parts.newGroups the grouped items whose groups training never saw; its base (generic) vectors are scored on the same items, ' +
      'raw and mean-centred + unit length (mean of the training items only); lift = trained / the better of the two, liftRaw = trained / raw. Retrieval: each ' +
      'held-out item queries the other held-out items (of its part, for parts); relevant = shares a label (or a group); ' +
      'recall@10 = hits / min(10, relevant), fullRecall@10 = hits / relevant. Catalogue: each labelled held-out item (of its part, for parts) ' +
      'queries the whole catalogue, training items included (the more-like-this a shop serves for a new photo); relevant = shares a label. Tagging: kNN (k=10) ' +
      'over the training items, labels with score >= 0.5. Text: each held-out label as a query vs a keyword match on title/description. ' +
      'Complete: 30% of groups held out of the goes-with model (seeded); each member queries the whole catalogue, ' +
      'recall@10 = its group-mates in the top 10 / min(10, mates), generic neighbours vs goes-with.',
    versions: out,
  };
}

/** `loupe eval`'s complete-the-group section for one version; null when it has no goes-with model. */
async function evaluateCompleteVersion(db: Queryable, paths: DataPaths, name: string, base: string): Promise<CompleteEvaluation | null> {
  if (!hasCompleteModel(paths, name)) return null;
  const model = await loadCompleteModel(paths, name);
  const rows = await itemsWithVectors(db, base);
  const colours = await itemColours(db, paths, base);
  // Evaluation loads tfjs, which serving never needs: imported on use.
  const { evaluateGoesWith } = await import('../complete/evaluate.js');
  return evaluateGoesWith(
    model,
    rows.map((r) => ({ id: r.id, features: r.features, labels: r.labels, groups: r.groups, colour: colours.get(r.id) })),
  );
}
