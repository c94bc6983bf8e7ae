import { exactInnerProduct } from '../index/usearch-graphs.js';
import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import { trainingFingerprint, type EmbeddingModel } from '../embedding/model.js';
import { CalibratedTagger } from '../embedding/tagger.js';
import { splitItems, subset, type SplitMode, type SplitRecord } from '../embedding/split.js';
import { trainEmbedding, type TrainReport } from '../embedding/train.js';
import { denseProduct, initTf } from '../embedding/tf.js';
import { itemText, SIGNALS, type Signal, type TrainingData, type TrainingItem, type TrainProgress } from '../embedding/types.js';
import { LoupeError } from '../errors.js';
import { evaluateVersion } from '../eval/evaluate.js';
import type { IndexRegistry } from '../index/registry.js';
import type { Db } from '../store/db.js';
import { itemsWithVectors, setVersionStatus, userSequences } from '../store/training.js';
import { FEED_HOLDOUT, sequencePairs, trainablePrefix } from '../graph/evaluate.js';
import { createTrainedVersion, getVersion } from '../store/vectors.js';
import { hasCompleteModel } from '../complete/model.js';
import { trainCompleteModel } from './complete.js';
import type { CompleteTrainReport } from '../complete/train.js';
import { projectMissing } from './projection.js';
import { versionDir, VERSION_NAME } from '../config.js';

export { VERSION_NAME };

export interface TrainVersionOptions {
  name: string;
  base?: string;
  signals?: readonly Signal[];
  seed?: number;
  dims?: number;
  /** Share of items held out for evaluation (half whole groups, half single items, when there are groups). */
  heldOut?: number;
  /** How the held-out items are drawn (default: half whole groups, half single items, when there are groups). */
  split?: SplitMode;
  /** Labels treated as absent, in training and in its evaluation (catch-alls such as 'Not sure'). */
  ignoreLabels?: readonly string[];
  onProgress?: (p: TrainProgress) => void;
  log?: (msg: string) => void;
}

export interface TrainVersionResult {
  name: string;
  base: string;
  dims: number;
  signals: Signal[];
  fingerprint: string;
  resumed: boolean;
  items: { train: number; heldOut: number; projected: number };
  lift: Record<string, number>;
  report: Pick<TrainReport, 'epochs' | 'steps' | 'bestEpoch' | 'bestValMetric' | 'initialValMetric' | 'seconds' | 'stoppedBy' | 'backend'> | null;
  /** The goes-with model trained beside the embedding; null when no groups or events to learn it from. */
  complete: CompleteTrainReport | null;
}

/**
 * Calibrates the version's kNN tag votes into probabilities on items training never fitted (the
 * validation slice), with the fitted items as the reference. Both sides are projected as the index
 * stores them (title, description and labels in the text), because those are the vectors a served
 * suggestion compares: calibrating on label-free queries against labelled references fit votes
 * from a different geometry (a 9-of-10 vote came out at 0.19, so no suggestion ever showed).
 */
function fitTagCalibrator(model: EmbeddingModel, items: readonly TrainingItem[], split: SplitRecord): CalibratedTagger['calibrator'] | undefined {
  const byId = new Map(items.map((it) => [it.id, it]));
  const side = (ids: readonly string[]) => {
    const l = ids.map((id) => byId.get(id)!).filter((it) => it.labels?.length);
    return {
      vectors: model.project(
        l.map((it) => it.features),
        l.map(itemText),
        denseProduct,
      ),
      labels: l.map((it) => it.labels ?? []),
    };
  };
  const reference = side(split.fitIds);
  const calibration = side(split.validationIds);
  if (!reference.vectors.length || calibration.vectors.length < 5) return undefined;
  return CalibratedTagger.fit(reference, calibration, { search: exactInnerProduct }).calibrator;
}

export function parseSignals(raw: string | undefined): Signal[] {
  if (!raw) return ['labels', 'groups', 'events', 'text'];
  const out = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of out) if (!(SIGNALS as readonly string[]).includes(s)) throw new LoupeError('bad_request', `unknown signal '${s}': use ${SIGNALS.join(', ')}`);
  return out as Signal[];
}

/** Drops signals the catalogue has no data for, so a fingerprint only names what was used. */
function usableSignals(data: TrainingData, wanted: readonly Signal[]): Signal[] {
  return wanted.filter((s) =>
    s === 'events' ? (data.interactions?.length ?? 0) > 0 : s === 'text' ? data.items.some((i) => i.title || i.description || i.labels?.length) : data.items.some((i) => (i[s]?.length ?? 0) > 0),
  );
}

/**
 * Trains a new version over the base version's stored vectors, saves it beside the data, and
 * precomputes a vector for every item. Versions are never overwritten; a run killed after training
 * resumes the projection on the next call with the same name and inputs.
 */
export async function trainVersion(db: Db, paths: DataPaths, indexes: IndexRegistry, opts: TrainVersionOptions): Promise<TrainVersionResult> {
  const { name } = opts;
  const base = opts.base ?? 'generic';
  const seed = opts.seed ?? 42;
  if (!VERSION_NAME.test(name) || name === 'generic') throw new LoupeError('bad_request', `version name '${name}' must match ${VERSION_NAME} and not be 'generic'`);
  const baseRow = await getVersion(db, base);
  if (!baseRow) throw new LoupeError('not_found', `base version '${base}' does not exist: run \`loupe encode\` first`);

  const rows = await itemsWithVectors(db, base);
  if (rows.length < 8) throw new LoupeError('conflict', `only ${rows.length} items have '${base}' vectors; training needs at least 8`);
  const ignore = new Set(opts.ignoreLabels ?? []);
  const items: TrainingItem[] = rows.map((r) => ({
    id: r.id,
    features: r.features,
    ...(r.title ? { title: r.title } : {}),
    ...(r.description ? { description: r.description } : {}),
    labels: ignore.size ? r.labels.filter((l) => !ignore.has(l)) : r.labels,
    groups: r.groups,
  }));
  // Events enter only as far as a feed evaluation keeps them for training: its hidden part stays unseen.
  const sequences = (await userSequences(db)).map((q) => q.items.slice(0, trainablePrefix(q.items, q.weights, FEED_HOLDOUT)));
  const data: TrainingData = { items, interactions: sequencePairs(sequences) };
  const signals = usableSignals(data, opts.signals ?? parseSignals(undefined));
  if (!signals.some((s) => s !== 'text')) throw new LoupeError('conflict', 'nothing to learn from: the catalogue has no labels, groups or events');
  const heldOut = opts.heldOut ?? 0.2;
  if (!(heldOut > 0 && heldOut < 1)) throw new LoupeError('bad_request', `held-out share ${heldOut} must be in (0, 1)`);
  // Protocol keys enter the config (and the fingerprint) only when set, so earlier versions keep their fingerprints.
  const trainConfig = { dims: opts.dims ?? 256, heldOut, base, ...(opts.split ? { split: opts.split } : {}), ...(ignore.size ? { ignoreLabels: [...ignore].sort() } : {}) };
  const fingerprint = trainingFingerprint(data, signals, seed, trainConfig);
  const dir = versionDir(paths, name);

  const existing = await getVersion(db, name);
  let report: TrainVersionResult['report'] = null;
  let split: SplitRecord;
  let dims: number;
  if (existing) {
    if (existing.status !== 'building') {
      throw new LoupeError('conflict', `version '${name}' already exists; versions are never overwritten: choose another --name`);
    }
    // The saved model is the version: finish its vectors with it, whatever the catalogue gained since.
    opts.log?.(`resuming '${name}': its model is already trained, finishing its vectors`);
    split = JSON.parse(fs.readFileSync(path.join(dir, 'split.json'), 'utf8')) as SplitRecord;
    dims = existing.dims;
  } else {
    const s = splitItems(items, { seed, fraction: heldOut, ...(opts.split ? { by: opts.split } : {}) });
    const trainData = subset(data, s.train);
    const { model, report: r } = await trainEmbedding(trainData, {
      seed,
      signals,
      name,
      baseVersion: base,
      dims: trainConfig.dims,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    split = { seed, heldOut: [...s.heldOut], heldOutGroups: [...s.heldOutGroups], fitIds: [...r.fitIds], validationIds: [...r.validationIds] };
    report = {
      epochs: r.epochs,
      steps: r.steps,
      bestEpoch: r.bestEpoch,
      bestValMetric: r.bestValMetric,
      initialValMetric: r.initialValMetric,
      seconds: r.seconds,
      stoppedBy: r.stoppedBy,
      backend: r.backend,
    };
    fs.rmSync(dir, { recursive: true, force: true });
    await model.save(dir);
    const calibrator = fitTagCalibrator(model, items, split);
    if (calibrator) fs.writeFileSync(path.join(dir, 'calibrator.json'), JSON.stringify(calibrator.json));
    fs.writeFileSync(path.join(dir, 'split.json'), JSON.stringify(split));
    fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(r, null, 1));
    dims = model.dims;
    await createTrainedVersion(db, {
      name,
      encoder: baseRow.encoder,
      dims,
      config: { signals, seed, fingerprint, ...trainConfig, encoderSpec: baseRow.config.encoderSpec ?? baseRow.encoder, textTower: model.hasTextTower, train: report },
    });
  }
  await initTf(); // a resumed run trained nothing, and projects on tfjs's kernels too
  const projected = await projectMissing(db, paths, name, undefined, denseProduct);
  // The goes-with model, on its own held-out groups (a resumed run adds it when missing).
  const complete = hasCompleteModel(paths, name) ? null : await trainCompleteModel(db, paths, name, base, { seed, ...(opts.log ? { log: opts.log } : {}) });
  // Measured on the held-out split before the version is offered for promotion.
  const metrics = await evaluateVersion(db, paths, name, base);
  await setVersionStatus(db, name, 'ready', {
    lift: metrics.lift,
    liftRaw: metrics.liftRaw,
    protocol: metrics.protocol,
    heldOut: metrics.heldOut,
    trained: metrics.trained,
    generic: metrics.generic,
    genericCentred: metrics.genericCentred,
    calibration: metrics.calibration,
    text: metrics.text,
    complete: metrics.complete,
  });
  await indexes.sync(name);
  return {
    name,
    base,
    dims,
    signals: existing ? (existing.config.signals as Signal[]) : signals,
    fingerprint: existing ? String(existing.config.fingerprint) : fingerprint,
    resumed: Boolean(existing),
    lift: metrics.lift,
    items: { train: rows.length - split.heldOut.length, heldOut: split.heldOut.length, projected },
    report,
    complete,
  };
}
