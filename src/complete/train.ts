/**
 * Trains the "goes with" model: two linear projections f, g of the stored generic vectors so that
 * f(a) . g(b) is high when a and b share a training group (outfit, room, board) or a co-interaction
 * pair. Loss: multi-positive in-batch softmax in both directions (each sampled pair's other-group
 * members are the negatives). Early stopping and the candidate step (score.ts) are chosen on a dev
 * split of the training groups, measured with complete-the-group Recall@10. Deterministic per seed
 * unless `maxSeconds` cuts training short.
 */
import { powerNormalize } from '../embedding/model.js';
import { Rng } from '../embedding/random.js';
import { initTf, matmul, matmulData, tensorData, tf } from '../embedding/tf.js';
import { GoesWithModel, type CompleteHead } from './model.js';
import { groupWalk, tuneWalk } from './group-walk.js';
import { centredColours, LabelPrior, NO_STEP, togetherCounts, tuneStep, type CandidateStep } from './score.js';
import { groupMembers, groupQueries, holdOutGroups, type GroupedItem } from './split.js';

export interface CompleteItem extends GroupedItem {
  readonly features: Float32Array;
  /** The photo's colour vector (vision/colour.ts); none for an item without a photo. */
  readonly colour?: Float32Array | undefined;
}

export interface CompleteTrainInput {
  /** The whole catalogue: every item is a candidate. */
  readonly items: readonly CompleteItem[];
  /** Items whose groups and pairs training must not see (the held-out test groups). */
  readonly hidden: ReadonlySet<string>;
  /** Co-interaction pairs (co-purchases), as item ids. */
  readonly pairs?: readonly (readonly [string, string])[];
  /** Recorded in the model: how `hidden` was drawn. */
  readonly split: CompleteHead['split'];
}

export const COMPLETE_DEFAULTS = {
  dims: 128,
  temperature: 0.1,
  batchSize: 128,
  learningRate: 3e-3,
  stepsPerEpoch: 30,
  maxEpochs: 15,
  patience: 3,
  devFraction: 0.2,
  featurePower: 0.5,
  /** Dropout on the inputs of training batches (small catalogues overfit within a few epochs without it). */
  inputDropout: 0.3,
  maxSeconds: 60,
} as const;

export type CompleteTrainOptions = { readonly [K in keyof typeof COMPLETE_DEFAULTS]?: number } & { readonly seed: number; readonly log?: (m: string) => void };

export interface CompleteTrainReport {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly devRecallStart: number;
  readonly devRecall: number;
  readonly devRecallWithStep: number;
  readonly step: CandidateStep;
  readonly fitGroups: number;
  readonly devGroups: number;
  readonly seconds: number;
  readonly stoppedBy: 'patience' | 'maxEpochs' | 'time';
}

/** Row-major n x d inputs: power-normalised, centred on the catalogue mean, one scale to unit variance per dim. */
export function standardise(features: readonly Float32Array[], power: number): { x: Float32Array; mean: Float32Array; scale: number } {
  const n = features.length;
  const d = features[0]!.length;
  const x = new Float32Array(n * d);
  features.forEach((f, i) => x.set(powerNormalize(f, power), i * d));
  const mean = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  let ss = 0;
  for (let i = 0; i < n * d; i++) ss += (x[i]! -= mean[i % d]!) ** 2;
  const scale = Math.sqrt(d / Math.max(ss / n, 1e-12));
  for (let i = 0; i < n * d; i++) x[i]! *= scale;
  return { x, mean, scale };
}

/** Row-wise unit-length copy of the data of the [rows, d] tensor `build` makes (freed after). */
function unitRows(build: () => tf.Tensor2D): Float32Array {
  return tensorData(() => {
    const t = build();
    return tf.div(t, tf.add(tf.norm(t, 'euclidean', 1).expandDims(1), 1e-12));
  });
}

/** Scores of `queries` (rows of q) against all rows of c: q c^T, as one [queries, n] block. */
export function scoreBlock(q: Float32Array, c: Float32Array, d: number): Float32Array {
  // An explicit transpose: tfjs's transposed matMul kernels are many times slower on wasm.
  return tensorData(() => tf.matMul(tf.tensor2d(q, [q.length / d, d]), tf.transpose(tf.tensor2d(c, [c.length / d, d]))));
}

/**
 * The dev split inside the training groups: a seeded share of the visible groups, held out of the fit
 * the way the test groups are; their members query for their dev group-mates.
 *
 * With `heldGroups` (what `trainGoesWith` passes) the split hides groups, as `loupe eval` does: an
 * item of a held-out (test or dev) group keeps its other groups for the fit, every member of a dev
 * group queries, and every group but the dev and test ones shows its members. Where products recur
 * across groups (rooms) an item shown in many is almost always in a test group too (1 - 0.7^n), and
 * hiding such items whole left the fit and the dev queries little but the rarely shown ones. Where
 * each item has one group the two rules give the same split. Without `heldGroups`, items in a test
 * group are left out whole (the benches' older rule).
 */
export function devSplit(items: readonly GroupedItem[], hidden: ReadonlySet<string>, seed: number, fraction: number, heldGroups?: ReadonlySet<string>) {
  const visible = items.map((it) => (heldGroups ? { ...it, groups: it.groups.filter((g) => !heldGroups.has(g)) } : hidden.has(it.id) ? { ...it, groups: [] } : it));
  const dev = holdOutGroups(visible, seed ^ 0xde5, fraction);
  const devGroupSet = new Set(dev.heldOutGroups);
  // Co-interaction pairs (events) of an item in a test or dev group stay out of the fit either way.
  const fitOk = (i: number) => !hidden.has(items[i]!.id) && !dev.hidden.has(items[i]!.id);
  const open = (g: string) => !devGroupSet.has(g) && !heldGroups?.has(g);
  const fitGroups = heldGroups ? groupMembers(items, open) : groupMembers(items, undefined, fitOk);
  const devQueries = groupQueries(groupMembers(items, (g) => devGroupSet.has(g), heldGroups ? undefined : (i) => !hidden.has(items[i]!.id)));
  const prior = LabelPrior.fit([...fitGroups.values()].map((m) => m.map((i) => items[i]!.labels)));
  return { fitOk, fitGroups, devQueries, devGroups: devGroupSet.size, prior };
}

/** Cosine scores of fixed vectors for queries known up front (chunked matrix products). */
export function cosineScorer(vecs: readonly Float32Array[], queries: readonly { index: number }[]): (i: number) => Float32Array {
  const d = vecs[0]!.length;
  const n = vecs.length;
  const data = new Float32Array(n * d);
  vecs.forEach((r, i) => {
    let s = 0;
    for (const v of r) s += v * v;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let j = 0; j < d; j++) data[i * d + j] = r[j]! * inv;
  });
  const out = new Map<number, Float32Array>();
  for (let s = 0; s < queries.length; s += 256) {
    const chunk = queries.slice(s, s + 256);
    const q = new Float32Array(chunk.length * d);
    chunk.forEach((x, r) => q.set(data.subarray(x.index * d, (x.index + 1) * d), r * d));
    const block = scoreBlock(q, data, d);
    chunk.forEach((x, r) => out.set(x.index, block.slice(r * n, (r + 1) * n)));
  }
  return (i) => new Float32Array(out.get(i)!);
}

/** Cosines of the items' centred colour vectors for the given queries; undefined when no item has one. */
export function colourScorer(items: readonly CompleteItem[], queries: readonly { index: number }[]): ((i: number) => Float32Array) | undefined {
  if (!items.some((it) => it.colour?.length)) return undefined;
  return cosineScorer(centredColours(items.map((it) => it.colour)), queries);
}

export async function trainGoesWith(input: CompleteTrainInput, options: CompleteTrainOptions): Promise<{ model: GoesWithModel; report: CompleteTrainReport }> {
  const o = { ...COMPLETE_DEFAULTS, ...options };
  const t0 = Date.now();
  await initTf();
  const { items, hidden } = input;
  const n = items.length;
  const d = items[0]!.features.length;
  const rng = new Rng(o.seed);
  const index = new Map(items.map((it, i) => [it.id, i]));

  const { fitOk, fitGroups, devQueries, devGroups, prior } = devSplit(items, hidden, o.seed, o.devFraction, new Set(input.split.heldOutGroups));
  const sets: number[][] = [...fitGroups.values()];
  for (const [a, b] of input.pairs ?? []) {
    const [ia, ib] = [index.get(a), index.get(b)];
    if (ia !== undefined && ib !== undefined && ia !== ib && fitOk(ia) && fitOk(ib)) sets.push([ia, ib]);
  }
  if (!sets.length) throw new Error('no two training items share a group or a pair: nothing to learn "goes with" from');
  const setsOf = new Map<number, Set<number>>();
  sets.forEach((m, s) => m.forEach((i) => (setsOf.get(i) ?? setsOf.set(i, new Set()).get(i)!).add(s)));
  const labels = items.map((it) => it.labels);

  const { x, mean, scale } = standardise(
    items.map((it) => it.features),
    o.featurePower,
  );
  const keep = 1 - o.inputDropout;
  const rows = (idx: readonly number[]) => {
    const out = new Float32Array(idx.length * d);
    idx.forEach((i, r) => {
      for (let j = 0; j < d; j++) out[r * d + j] = keep < 1 && rng.next() >= keep ? 0 : x[i * d + j]! / keep;
    });
    return tf.tensor2d(out, [idx.length, d]);
  };
  // A shared first projection w, then one small head each: f = x w af, g = x w ag. Heads start as
  // the identity, so f = g = a random projection (close to centred generic similarity) and drift apart.
  // Sharing w halves the big products per step.
  const w = tf.variable(
    tf.tensor2d(
      new Float32Array(d * o.dims).map(() => rng.normal() / Math.sqrt(d)),
      [d, o.dims],
    ),
  );
  const af = tf.variable(tf.eye(o.dims) as tf.Tensor2D);
  const ag = tf.variable(tf.eye(o.dims) as tf.Tensor2D);
  const vars = [w, af, ag];
  const xAll = tf.tensor2d(x, [n, d]);
  const project = (): { f: Float32Array; g: Float32Array } => {
    const h = tf.tidy(() => tf.matMul(xAll, w));
    const out = { f: unitRows(() => tf.matMul(h, af)), g: unitRows(() => tf.matMul(h, ag)) };
    h.dispose();
    return out;
  };
  const snapshot = () => vars.map((v) => v.dataSync().slice() as Float32Array);
  const devScores = (p: { f: Float32Array; g: Float32Array }) => {
    const qf = new Float32Array(devQueries.length * o.dims);
    const qg = new Float32Array(devQueries.length * o.dims);
    devQueries.forEach((q, r) => {
      qf.set(p.f.subarray(q.index * o.dims, (q.index + 1) * o.dims), r * o.dims);
      qg.set(p.g.subarray(q.index * o.dims, (q.index + 1) * o.dims), r * o.dims);
    });
    const a = scoreBlock(qf, p.g, o.dims);
    const b = scoreBlock(qg, p.f, o.dims);
    return (_: number, r: number) => {
      const s = new Float32Array(n);
      for (let j = 0; j < n; j++) s[j] = (a[r * n + j]! + b[r * n + j]!) / 2;
      return s;
    };
  };
  const devRecall = (p: { f: Float32Array; g: Float32Array }) => tuneStep({ labels, queries: devQueries, scores: devScores(p), prior }, [NO_STEP]).none;

  const optimizer = tf.train.adam(o.learningRate);
  const start = devRecall(project());
  let best = { recall: start, epoch: 0, weights: snapshot() };
  let since = 0;
  let epochs = 0;
  let stoppedBy: CompleteTrainReport['stoppedBy'] = 'maxEpochs';
  const b = Math.min(o.batchSize, sets.length);
  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    epochs = epoch;
    let lossSum = 0;
    for (let s = 0; s < o.stepsPerEpoch; s++) {
      const picked = Array.from({ length: b }, () => rng.int(sets.length));
      const pairs = picked.map((si) => rng.sample(sets[si]!, 2) as [number, number]);
      const A = pairs.map((p) => p[0]);
      const P = pairs.map((p) => p[1]);
      // Positive: the pair itself or any two items sharing a set; the same item on both sides is ignored.
      const pos = new Float32Array(b * b);
      const ignore = new Float32Array(b * b);
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) {
          if (A[i] === P[j] && i !== j) ignore[i * b + j] = -1e4;
          else if (i === j || [...(setsOf.get(A[i]!) ?? [])].some((t) => setsOf.get(P[j]!)?.has(t))) pos[i * b + j] = 1;
        }
      }
      const xa = rows(A);
      const xp = rows(P);
      const lossT = optimizer.minimize(() => {
        const unit = (t: tf.Tensor2D) => tf.div(t, tf.add(tf.norm(t, 'euclidean', 1).expandDims(1), 1e-12)) as tf.Tensor2D;
        const [ha, hp] = [matmulData(xa, w), matmulData(xp, w)];
        const [fa, ga, fp, gp] = [unit(matmul(ha, af)), unit(matmul(ha, ag)), unit(matmul(hp, af)), unit(matmul(hp, ag))];
        const pw = tf.tensor2d(pos, [b, b]);
        const mask = tf.tensor2d(ignore, [b, b]);
        const side = (q: tf.Tensor2D, c: tf.Tensor2D, wt: tf.Tensor2D, m: tf.Tensor2D) => {
          const logits = tf.add(tf.div(matmul(q, tf.transpose(c)), o.temperature), m);
          const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
          return tf.mean(tf.div(tf.sum(tf.mul(wt, logp), 1), tf.sum(wt, 1)));
        };
        // a -> b and b -> a, with the two projections swapped: f(query) . g(candidate) both ways.
        const l1 = side(fa, gp, pw, mask);
        const l2 = side(fp, ga, tf.transpose(pw) as tf.Tensor2D, tf.transpose(mask) as tf.Tensor2D);
        return tf.neg(tf.add(l1, l2)).div(2) as tf.Scalar;
      }, true);
      lossSum += lossT!.dataSync()[0]!;
      lossT!.dispose();
      xa.dispose();
      xp.dispose();
    }
    const r = devRecall(project());
    o.log?.(`goes-with epoch ${epoch}: loss ${(lossSum / o.stepsPerEpoch).toFixed(3)}  dev recall@10 ${r.toFixed(4)}  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (r > best.recall + 1e-4) {
      best = { recall: r, epoch, weights: snapshot() };
      since = 0;
    } else if (++since >= o.patience) {
      stoppedBy = 'patience';
      break;
    }
    if ((Date.now() - t0) / 1000 > o.maxSeconds) {
      stoppedBy = 'time';
      break;
    }
  }
  vars.forEach((v, i) => v.assign(tf.tensor(best.weights[i]!, v.shape)));
  const generic = cosineScorer(
    items.map((it) => it.features),
    devQueries,
  );
  const colour = colourScorer(items, devQueries);
  const stepOnly = tuneStep({ labels, queries: devQueries, scores: devScores(project()), generic, ...(colour ? { colour } : {}), prior });
  const groupsOf = items.map((it) => it.groups);
  // The dev queries' visible groups are the fit's groups (every group but the dev and test ones).
  // Each dev query's walk once: the check below and every point of tuneWalk's grid read the same.
  const walks = new Map(devQueries.map((q) => [q.index, groupWalk(q.index, groupsOf, fitGroups)] as const));
  const walk = (q: number) => walks.get(q) ?? groupWalk(q, groupsOf, fitGroups);
  // tuneWalk's inputs cost a projection and its scores: only where some dev query reaches anything in two steps.
  const canWalk = [...walks.values()].some((w) => w.size > 0);
  const walked = !canWalk
    ? { walkWeight: 0, recall: NaN, none: NaN }
    : tuneWalk({
        labels,
        queries: devQueries,
        scores: devScores(project()),
        generic,
        ...(colour ? { colour } : {}),
        prior,
        step: stepOnly.step,
        together: (q) => togetherCounts(q, groupsOf, fitGroups),
        walk,
      });
  // devRecallWithStep stays the step's own (no groups shown); the walk's gain is logged beside it.
  const tuned = { step: walked.walkWeight > 0 ? { ...stepOnly.step, walkWeight: walked.walkWeight } : stepOnly.step, recall: stepOnly.recall };
  if (walked.walkWeight > 0) o.log?.(`goes-with group walk: weight ${walked.walkWeight}, dev recall@10 with the groups shown ${walked.none.toFixed(4)} -> ${walked.recall.toFixed(4)}`);
  // Served as two plain matrices: Wf = w af, Wg = w ag.
  const [wf, wg] = [tensorData(() => tf.matMul(w, af)), tensorData(() => tf.matMul(w, ag))];
  [...vars, xAll].forEach((t) => t.dispose());
  optimizer.dispose();

  const report: CompleteTrainReport = {
    epochs,
    bestEpoch: best.epoch,
    devRecallStart: start,
    devRecall: best.recall,
    devRecallWithStep: tuned.recall,
    step: tuned.step,
    fitGroups: fitGroups.size,
    devGroups,
    seconds: (Date.now() - t0) / 1000,
    stoppedBy,
  };
  const model = GoesWithModel.create(
    {
      format: 'loupe-complete',
      formatVersion: 1,
      inputDims: d,
      featurePower: o.featurePower,
      dims: o.dims,
      step: tuned.step,
      prior: prior.json as CompleteHead['prior'],
      split: input.split,
      info: {
        epochs,
        bestEpoch: best.epoch,
        devRecall: best.recall,
        devRecallWithStep: tuned.recall,
        fitGroups: fitGroups.size,
        devGroups,
        pairs: input.pairs?.length ?? 0,
        seconds: report.seconds,
        seed: o.seed,
      },
    },
    { mean, scale, wf: wf!, wg: wg! },
  );
  return { model, report };
}
