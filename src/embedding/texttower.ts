/**
 * The query-text tower: a linear map from hashed text features to the trained embedding space, fit so
 * an item's text (title, description, labels) lands next to the item's image embedding (InfoNCE over the
 * batch's image embeddings; items with identical text are all positives).
 *
 * The weight matrix is buckets x dims but each batch touches only a few hundred buckets, so every step
 * differentiates just the touched rows (tfjs autodiff on a dense batch slice) and applies a lazy Adam
 * update to them here. tfjs's sparse gather gradient needs a kernel the wasm backend lacks.
 */
import { Rng } from './random.js';
import { hashTextTokens, tokenize, type TextHashConfig } from './text.js';
import { initTf, matmul, matmulData, tf } from './tf.js';
import type { TrainProgress } from './types.js';

export interface TextTowerOptions {
  readonly seed: number;
  readonly hash: TextHashConfig;
  readonly temperature?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly epochs?: number;
  /** Chance of dropping each word of an item text per step (at least one word stays). */
  readonly wordDropout?: number;
  readonly onProgress?: (p: TrainProgress) => void;
}

export async function trainTextTower(texts: readonly string[], targets: readonly Float32Array[], options: TextTowerOptions): Promise<{ weights: Float32Array; steps: number; finalLoss: number }> {
  await initTf();
  const { hash } = options;
  const tau = options.temperature ?? 0.1;
  const lr = options.learningRate ?? 1e-2;
  const epochs = options.epochs ?? 10;
  const dropout = options.wordDropout ?? 0.3;
  const batchSize = Math.min(options.batchSize ?? 256, texts.length);
  const dims = targets[0]!.length;
  const rng = new Rng(options.seed ^ 0x7e47);
  // Start each bucket at the (signed, weighted) mean embedding of the items whose text hits it, so a
  // word starts next to the items it describes; the contrastive steps then sharpen that.
  const w = new Float32Array(hash.buckets * dims);
  const mass = new Float32Array(hash.buckets);
  texts.forEach((t, i) => {
    const f = hashTextTokens(tokenize(t), hash);
    f.indices.forEach((c, k) => {
      const x = f.values[k]!;
      mass[c]! += Math.abs(x);
      for (let d = 0; d < dims; d++) w[c * dims + d]! += x * targets[i]![d]!;
    });
  });
  for (let c = 0; c < hash.buckets; c++) {
    const m = mass[c]!;
    for (let d = 0; d < dims; d++) w[c * dims + d] = m > 0 ? w[c * dims + d]! / m : rng.normal() * 0.01;
  }
  const m = new Float32Array(w.length);
  const v = new Float32Array(w.length);
  const lastStep = new Int32Array(hash.buckets);
  const tokens = texts.map(tokenize);
  const key = texts.map((t) => tokenize(t).join(' '));
  const order = [...texts.keys()];
  const stepsPerEpoch = Math.ceil(texts.length / batchSize);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let step = 0;
  let loss = NaN;
  const t0 = Date.now();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = order.slice(s * batchSize, (s + 1) * batchSize);
      if (batch.length < 2) continue;
      const feats = batch.map((i) => {
        const kept = tokens[i]!.filter(() => rng.next() >= dropout);
        return hashTextTokens(kept.length ? kept : [tokens[i]![rng.int(tokens[i]!.length)] ?? ''], hash);
      });
      const cols = [...new Set(feats.flatMap((f) => [...f.indices]))].sort((a, b) => a - b);
      const col = new Map(cols.map((c, j) => [c, j]));
      const b = batch.length;
      const u = cols.length;
      const x = new Float32Array(b * u);
      feats.forEach((f, r) => f.indices.forEach((c, k) => (x[r * u + col.get(c)!] = f.values[k]!)));
      const sub = new Float32Array(u * dims);
      cols.forEach((c, j) => sub.set(w.subarray(c * dims, (c + 1) * dims), j * dims));
      const e = new Float32Array(b * dims);
      batch.forEach((i, r) => e.set(targets[i]!, r * dims));
      const pos = new Float32Array(b * b);
      for (let i = 0; i < b; i++) {
        let cnt = 0;
        for (let j = 0; j < b; j++) if (key[batch[i]!] === key[batch[j]!]) cnt++;
        for (let j = 0; j < b; j++) if (key[batch[i]!] === key[batch[j]!]) pos[i * b + j] = 1 / cnt;
      }
      const [lossV, grad] = tf.tidy(() => {
        const xT = tf.tensor2d(x, [b, u]);
        const eT = tf.transpose(tf.tensor2d(e, [b, dims])) as tf.Tensor2D;
        const q = tf.tensor2d(pos, [b, b]);
        const f = (ws: tf.Tensor) => {
          const t = matmulData(xT, ws as tf.Tensor2D);
          const tn = tf.mul(t, tf.rsqrt(tf.add(tf.sum(tf.square(t), 1, true), 1e-12))) as tf.Tensor2D;
          const logits = tf.div(matmul(tn, eT), tau);
          const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
          return tf.div(tf.neg(tf.sum(tf.mul(q, logp))), b) as tf.Scalar;
        };
        const { value, grad: g } = tf.valueAndGrad(f)(tf.tensor2d(sub, [u, dims]));
        return [value.dataSync()[0]!, g.dataSync() as Float32Array] as const;
      });
      loss = lossV;
      step++;
      // Lazy Adam: a row's moments decay only when the row is touched (standard for sparse embeddings).
      for (let j = 0; j < u; j++) {
        const c = cols[j]!;
        const rowT = ++lastStep[c]!;
        const bc1 = 1 - b1 ** rowT;
        const bc2 = 1 - b2 ** rowT;
        for (let d = 0; d < dims; d++) {
          const k = c * dims + d;
          const g = grad[j * dims + d]!;
          m[k] = b1 * m[k]! + (1 - b1) * g;
          v[k] = b2 * v[k]! + (1 - b2) * g * g;
          w[k] = w[k]! - (lr * (m[k]! / bc1)) / (Math.sqrt(v[k]! / bc2) + eps);
        }
      }
      const elapsed = Date.now() - t0;
      options.onProgress?.({
        phase: 'text',
        epoch,
        maxEpochs: epochs,
        step,
        stepsPerEpoch,
        loss,
        valMetric: NaN,
        bestValMetric: NaN,
        stepsPerSecond: (step * 1000) / Math.max(elapsed, 1),
        elapsedMs: elapsed,
      });
    }
  }
  return { weights: w, steps: step, finalLoss: loss };
}
