/**
 * Trains a user embedding over stored generic features with a multi-positive supervised contrastive
 * loss (InfoNCE with temperature), P x K batches plus mined hard negatives, and early stopping on a
 * held-out validation slice of the training items. Deterministic for a given seed and input, unless the
 * optional time budget cuts training short.
 */
import { LoupeError } from '../errors.js';
import { evaluateRetrieval } from '../eval/metrics.js';
import { DEFAULT_SIGNAL_WEIGHTS, Positives, positiveMatrix, sampleBatch, type SignalWeights } from './batches.js';
import { EmbeddingModel, powerNormalize, trainingFingerprint, type ModelWeights } from './model.js';
import { Rng } from './random.js';
import { splitItems } from './split.js';
import { DEFAULT_TEXT_HASH, densify, hashText, type TextHashConfig } from './text.js';
import { trainTextTower } from './texttower.js';
import { initTf, matmul, matmulData, tf } from './tf.js';
import { itemText, type Signal, type TrainingData, type TrainProgress } from './types.js';

export interface TrainOptions {
  readonly seed: number;
  readonly signals: readonly Signal[];
  readonly name?: string;
  /** Version of the input features (recorded in the model). */
  readonly baseVersion?: string;
  readonly dims?: number;
  readonly hidden?: number;
  readonly temperature?: number;
  readonly batchSize?: number;
  readonly perCluster?: number;
  readonly hardFraction?: number;
  readonly learningRate?: number;
  readonly maxEpochs?: number;
  readonly patience?: number;
  /** Share of training items kept for early stopping (half whole groups, half single items, when items have groups). */
  readonly validationFraction?: number;
  readonly signalWeights?: SignalWeights;
  /** Hashed item-text buckets appended to the input when the text signal is on. */
  readonly itemTextBuckets?: number;
  /** Chance of blanking an item's text per step, so the model also works for items without text. */
  readonly textDropout?: number;
  /** Signed power applied to the features before anything else (see model.ts). */
  readonly featurePower?: number;
  /** Dropout on the centred input features during training (a cheap feature-space augmentation). */
  readonly inputDropout?: number;
  /** Validation, early stopping and the saved model use an exponential moving average of the weights (0 = off). */
  readonly emaDecay?: number;
  /** Decoupled weight decay (AdamW style), per step: w -= learningRate * weightDecay * w. */
  readonly weightDecay?: number;
  readonly queryTextHash?: TextHashConfig;
  /** Wall-clock cap; reaching it stops early (and makes the result timing-dependent). */
  readonly maxSeconds?: number;
  readonly onProgress?: (p: TrainProgress) => void;
}

export interface TrainReport {
  readonly backend: string;
  readonly epochs: number;
  readonly steps: number;
  readonly bestEpoch: number;
  /** mAP@10 on the validation items (retrieval among themselves by the strongest enabled signal). */
  readonly bestValMetric: number;
  readonly initialValMetric: number;
  readonly validationRelevance: 'labels' | 'groups' | 'events';
  readonly fitIds: readonly string[];
  readonly validationIds: readonly string[];
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly history: readonly { epoch: number; loss: number; valMetric: number }[];
  readonly textTower: { readonly items: number; readonly steps: number; readonly finalLoss: number } | null;
  readonly stoppedBy: 'patience' | 'maxEpochs' | 'time';
}

export const TRAIN_DEFAULTS = {
  dims: 256,
  hidden: 512,
  temperature: 0.1,
  batchSize: 256,
  perCluster: 4,
  hardFraction: 0.25,
  learningRate: 1e-3,
  maxEpochs: 30,
  patience: 8,
  validationFraction: 0.1,
  itemTextBuckets: 256,
  textDropout: 0.5,
  featurePower: 0.5,
  inputDropout: 0.2,
  weightDecay: 0,
  emaDecay: 0.95,
} as const;

type Vars = { w1: tf.Variable; b1: tf.Variable; wSkip: tf.Variable; w2: tf.Variable };

function forward(x: tf.Tensor2D, v: Vars): tf.Tensor2D {
  const h = matmulData(x, v.w1 as tf.Tensor2D);
  const z = tf.add(matmul(h, v.wSkip as tf.Tensor2D), matmul(tf.relu(tf.add(h, v.b1)) as tf.Tensor2D, v.w2 as tf.Tensor2D));
  return tf.mul(z, tf.rsqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12))) as tf.Tensor2D;
}

function gaussian(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

export async function trainEmbedding(data: TrainingData, options: TrainOptions): Promise<{ model: EmbeddingModel; report: TrainReport }> {
  const o = { ...TRAIN_DEFAULTS, ...options };
  const t0 = Date.now();
  const backend = await initTf();
  const items = data.items;
  const n = items.length;
  if (n < 4) throw new LoupeError('unprocessable', 'need at least 4 items to train an embedding');
  const featDims = items[0]!.features.length;
  for (const it of items) if (it.features.length !== featDims) throw new Error(`item ${it.id}: ${it.features.length}-d features, expected ${featDims}`);
  const on = new Set(o.signals);
  const itemTextCfg: TextHashConfig | null = on.has('text') ? { ...DEFAULT_TEXT_HASH, buckets: o.itemTextBuckets } : null;
  const inDims = featDims + (itemTextCfg?.buckets ?? 0);
  const rng = new Rng(o.seed);

  // Validation: a seeded slice (half whole groups, half single items when there are groups) whose signals the loss never sees.
  const valRelevance = (['labels', 'groups', 'events'] as const).find((s) => on.has(s) && (s === 'events' ? (data.interactions?.length ?? 0) > 0 : items.some((it) => (it[s]?.length ?? 0) > 0)));
  if (!valRelevance) throw new LoupeError('unprocessable', `no usable signal among ${[...on].join(', ') || 'none'}: nothing to train from`);
  const split = splitItems(items, { seed: o.seed ^ 0x5eed, fraction: o.validationFraction });
  const valSet = new Set(split.heldOut);
  const idx = new Map(items.map((it, i) => [it.id, i]));
  const valIdx = split.heldOut.map((id) => idx.get(id)!);
  const fitIdx = split.train.map((id) => idx.get(id)!);
  const pos = new Positives(data, o.signals, new Set(fitIdx), o.signalWeights ?? DEFAULT_SIGNAL_WEIGHTS);
  if (!pos.hasClusters) throw new LoupeError('unprocessable', 'no two training items share a label, group or interaction: nothing to train from');

  // Raw inputs and their standardisation (per-dim mean; one scale per block: features, text).
  const raw = new Float32Array(n * inDims);
  const hasText = new Uint8Array(n);
  items.forEach((it, i) => {
    raw.set(powerNormalize(it.features, o.featurePower), i * inDims);
    // Validation items stand for new, untagged uploads: their labels must not reach them via text.
    const text = itemTextCfg ? itemText(valSet.has(it.id) ? { ...it, labels: [] } : it) : '';
    if (itemTextCfg && text) {
      densify(hashText(text, itemTextCfg), itemTextCfg.buckets, raw.subarray(i * inDims, (i + 1) * inDims), featDims);
      hasText[i] = 1;
    }
  });
  // Per-dim means (text block: over items that have text) and one scale per block. An item without
  // text (or with its text dropped) gets exactly 0 in the centred text block, as model.ts does.
  const mean = new Float32Array(inDims);
  const withText = fitIdx.filter((i) => hasText[i]);
  for (const [lo, hi, rows] of [
    [0, featDims, fitIdx],
    [featDims, inDims, withText],
  ] as const) {
    if (hi <= lo || rows.length === 0) continue;
    for (const i of rows) for (let d = lo; d < hi; d++) mean[d]! += raw[i * inDims + d]!;
    for (let d = lo; d < hi; d++) mean[d] = mean[d]! / rows.length;
  }
  const scale = new Float32Array(inDims);
  for (const [lo, hi, rows] of [
    [0, featDims, fitIdx],
    [featDims, inDims, withText],
  ] as const) {
    if (hi <= lo) continue;
    let ss = 0;
    for (const i of rows) for (let d = lo; d < hi; d++) ss += (raw[i * inDims + d]! - mean[d]!) ** 2;
    scale.fill(Math.sqrt((hi - lo) / Math.max(ss / Math.max(rows.length, 1), 1e-12)), lo, hi);
  }
  const batchInput = (batch: readonly number[], dropText: boolean): tf.Tensor2D => {
    const x = new Float32Array(batch.length * inDims);
    batch.forEach((i, r) => {
      const textOn = hasText[i] === 1 && !(dropText && rng.next() < o.textDropout);
      const dims = textOn ? inDims : featDims;
      const keep = dropText ? 1 - o.inputDropout : 1;
      for (let d = 0; d < dims; d++) {
        if (keep < 1 && d < featDims && rng.next() >= keep) continue;
        x[r * inDims + d] = ((raw[i * inDims + d]! - mean[d]!) * scale[d]!) / keep;
      }
    });
    return tf.tensor2d(x, [batch.length, inDims]);
  };

  // Starts as a random projection (skip path) with the residual MLP switched off (w2 = 0).
  const vars: Vars = {
    w1: tf.variable(tf.tensor2d(gaussian(rng, inDims * o.hidden, 1 / Math.sqrt(inDims)), [inDims, o.hidden])),
    b1: tf.variable(tf.zeros([o.hidden])),
    wSkip: tf.variable(tf.tensor2d(gaussian(rng, o.hidden * o.dims, 1 / Math.sqrt(o.hidden)), [o.hidden, o.dims])),
    w2: tf.variable(tf.zeros([o.hidden, o.dims])),
  };
  // Averaged weights: smoother to validate and usually a little better than the last step's.
  const ema: Vars | null = o.emaDecay > 0 ? { w1: tf.variable(vars.w1.clone()), b1: tf.variable(vars.b1.clone()), wSkip: tf.variable(vars.wSkip.clone()), w2: tf.variable(vars.w2.clone()) } : null;
  const evalVars = ema ?? vars;
  const snapshot = (): Record<keyof Vars, Float32Array> => ({
    w1: evalVars.w1.dataSync() as Float32Array,
    b1: evalVars.b1.dataSync() as Float32Array,
    wSkip: evalVars.wSkip.dataSync() as Float32Array,
    w2: evalVars.w2.dataSync() as Float32Array,
  });
  const embed = (rows: readonly number[], v: Vars = evalVars): Float32Array => {
    const out = new Float32Array(rows.length * o.dims);
    for (let s = 0; s < rows.length; s += 512) {
      const chunk = rows.slice(s, s + 512);
      const z = tf.tidy(() => forward(batchInput(chunk, false), v));
      out.set(z.dataSync(), s * o.dims);
      z.dispose();
    }
    return out;
  };
  const valRel = (a: number, b: number) => {
    const ia = items[a]!;
    const ib = items[b]!;
    if (valRelevance === 'events') return false;
    const la = ia[valRelevance] ?? [];
    const lb = new Set(ib[valRelevance] ?? []);
    return la.some((l) => lb.has(l));
  };
  const valNeighbours = new Map<string, Set<string>>();
  if (valRelevance === 'events')
    for (const [a, b] of data.interactions ?? []) {
      if (!valSet.has(a) || !valSet.has(b)) continue;
      (valNeighbours.get(a) ?? valNeighbours.set(a, new Set()).get(a)!).add(b);
      (valNeighbours.get(b) ?? valNeighbours.set(b, new Set()).get(b)!).add(a);
    }
  const validate = (): number => {
    if (valIdx.length < 2) return NaN;
    const z = embed(valIdx);
    const vecs = valIdx.map((_, r) => z.subarray(r * o.dims, (r + 1) * o.dims));
    return evaluateRetrieval({
      candidateIds: valIdx,
      candidateVectors: vecs,
      queries: valIdx,
      relevant: valRelevance === 'events' ? (a, b) => valNeighbours.get(items[a]!.id)?.has(items[b]!.id) ?? false : valRel,
      k: 10,
    }).map;
  };

  const optimizer = tf.train.adam(o.learningRate);
  const pool = fitIdx;
  const bank = { data: embed([...Array(n).keys()]), dims: o.dims };
  const stepsPerEpoch = Math.max(4, Math.ceil(pool.length / o.batchSize));
  const history: { epoch: number; loss: number; valMetric: number }[] = [];
  const initialValMetric = validate();
  let best = { metric: Number.isNaN(initialValMetric) ? -Infinity : initialValMetric, epoch: 0, weights: snapshot() };
  let step = 0;
  let since = 0;
  let stoppedBy: TrainReport['stoppedBy'] = 'maxEpochs';
  let lastVal = initialValMetric;
  const trainStart = Date.now();

  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = sampleBatch(pos, pool, o, rng, bank);
      const b = batch.length;
      const w = positiveMatrix(pos, batch);
      const rowSum = new Float32Array(b);
      for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) rowSum[i]! += w[i * b + j]!;
      const anchors = rowSum.reduce((c, v) => c + (v > 0 ? 1 : 0), 0);
      const x = batchInput(batch, true);
      let zData: Float32Array | null = null;
      const lossT = optimizer.minimize(() => {
        const z = forward(x, vars);
        zData = z.dataSync() as Float32Array;
        const sim = tf.sub(tf.div(matmul(z, tf.transpose(z)), o.temperature), tf.mul(tf.eye(b), 1e4));
        const logp = tf.sub(sim, tf.logSumExp(sim, 1, true));
        const wT = tf.tensor2d(w, [b, b]);
        const inv = tf.tensor1d(rowSum.map((v) => (v > 0 ? 1 / v : 0)));
        const perAnchor = tf.mul(tf.sum(tf.mul(wT, logp), 1), inv);
        return tf.div(tf.neg(tf.sum(perAnchor)), Math.max(anchors, 1)) as tf.Scalar;
      }, true);
      const loss = lossT!.dataSync()[0]!;
      lossT!.dispose();
      if (o.weightDecay > 0) tf.tidy(() => [vars.w1, vars.wSkip, vars.w2].forEach((v) => v.assign(tf.mul(v, 1 - o.learningRate * o.weightDecay))));
      if (ema) {
        const d = Math.min(o.emaDecay, (1 + step) / (10 + step));
        tf.tidy(() => (Object.keys(vars) as (keyof Vars)[]).forEach((k) => ema[k].assign(tf.add(tf.mul(ema[k], d), tf.mul(vars[k], 1 - d)))));
      }
      x.dispose();
      const zs: Float32Array = zData ?? new Float32Array(0);
      batch.forEach((i, r) => bank.data.set(zs.subarray(r * o.dims, (r + 1) * o.dims), i * o.dims));
      lossSum += loss;
      step++;
      const elapsed = Date.now() - trainStart;
      o.onProgress?.({
        phase: 'embedding',
        epoch,
        maxEpochs: o.maxEpochs,
        step,
        stepsPerEpoch,
        loss,
        valMetric: lastVal,
        bestValMetric: best.metric,
        stepsPerSecond: (step * 1000) / Math.max(elapsed, 1),
        elapsedMs: Date.now() - t0,
      });
    }
    lastVal = validate();
    history.push({ epoch, loss: lossSum / stepsPerEpoch, valMetric: lastVal });
    // Without a validation metric (too few validation items) the latest epoch is the best one.
    if (lastVal > best.metric + 1e-4 || Number.isNaN(lastVal)) {
      best = { metric: lastVal, epoch, weights: snapshot() };
      since = 0;
    } else if (++since >= o.patience) {
      stoppedBy = 'patience';
      break;
    }
    if (o.maxSeconds !== undefined && (Date.now() - t0) / 1000 > o.maxSeconds) {
      stoppedBy = 'time';
      break;
    }
  }
  const trainSeconds = (Date.now() - trainStart) / 1000;
  [...Object.values(vars), ...Object.values(ema ?? {})].forEach((v) => v.dispose());
  optimizer.dispose();

  const head = {
    format: 'loupe-embedding' as const,
    formatVersion: 1 as const,
    name: o.name ?? 'user',
    baseVersion: o.baseVersion ?? 'generic',
    inputDims: featDims,
    featurePower: o.featurePower,
    itemText: itemTextCfg,
    hidden: o.hidden,
    dims: o.dims,
    signals: [...on].sort(),
    seed: o.seed,
  };
  const weights: Record<string, Float32Array> = { mean, scale, ...best.weights };
  let textTower: TrainReport['textTower'] = null;
  let queryText: TextHashConfig | null = null;
  const imageOnly = EmbeddingModel.create({ ...head, queryText: null, fingerprint: '', info: {} }, weights);
  if (on.has('text')) {
    queryText = o.queryTextHash ?? DEFAULT_TEXT_HASH;
    const withText = items.map((it, i) => ({ i, text: itemText(it) })).filter((r) => r.text && !valSet.has(items[r.i]!.id));
    if (withText.length >= 2) {
      const targets = imageOnly.project(
        withText.map((r) => items[r.i]!.features),
        withText.map((r) => r.text),
      );
      const tt = await trainTextTower(
        withText.map((r) => r.text),
        targets,
        {
          hash: queryText,
          seed: o.seed,
          temperature: o.temperature,
          batchSize: o.batchSize,
          ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        },
      );
      weights.wText = tt.weights;
      textTower = { items: withText.length, steps: tt.steps, finalLoss: tt.finalLoss };
    } else queryText = null;
  }
  const seconds = (Date.now() - t0) / 1000;
  const trainConfig = {
    ...head,
    temperature: o.temperature,
    batchSize: o.batchSize,
    perCluster: o.perCluster,
    hardFraction: o.hardFraction,
    learningRate: o.learningRate,
    inputDropout: o.inputDropout,
    weightDecay: o.weightDecay,
    emaDecay: o.emaDecay,
    maxEpochs: o.maxEpochs,
    patience: o.patience,
    validationFraction: o.validationFraction,
    queryText,
  };
  const model = EmbeddingModel.create(
    {
      ...head,
      queryText,
      fingerprint: trainingFingerprint(data, o.signals, o.seed, trainConfig),
      info: { bestEpoch: best.epoch, bestValMap10: best.metric, initialValMap10: initialValMetric, epochs: history.length, steps: step, seconds, items: n, validationItems: valIdx.length, backend },
    },
    weights satisfies ModelWeights,
  );
  const report: TrainReport = {
    backend,
    epochs: history.length,
    steps: step,
    bestEpoch: best.epoch,
    bestValMetric: best.metric,
    initialValMetric,
    validationRelevance: valRelevance,
    fitIds: split.train,
    validationIds: split.heldOut,
    seconds,
    stepsPerSecond: step / Math.max(trainSeconds, 1e-9),
    history,
    textTower,
    stoppedBy,
  };
  return { model, report };
}
