/**
 * Complete-the-group Recall@10 on held-out groups: each member of a held-out group queries the whole
 * catalogue (itself excluded) and counts its group-mates in the top 10; generic neighbours (cosine of
 * the stored generic vectors) vs the goes-with model with its candidate step.
 */
import { initTf } from '../embedding/tf.js';
import { GoesWithModel } from './model.js';
import { groupRecall, NO_STEP } from './score.js';
import { groupMembers, groupQueries } from './split.js';
import { scoreBlock, type CompleteItem } from './train.js';

export interface CompleteEvaluation {
  heldOutGroups: number;
  queries: number;
  /** Recall@10 = hits / min(10, group-mates), averaged over queries. */
  generic: number;
  goesWith: number;
  /** The goes-with model without its candidate step (other-label preference, label prior). */
  goesWithNoStep: number;
  lift: number;
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

export function goesWithScorer(model: GoesWithModel, items: readonly CompleteItem[]): (i: number) => Float32Array {
  const p = items.map((it) => model.project(it.features));
  return (i) => GoesWithModel.scores(p[i]!, p);
}

export async function evaluateGoesWith(model: GoesWithModel, items: readonly CompleteItem[]): Promise<CompleteEvaluation | null> {
  const held = new Set(model.config.split.heldOutGroups);
  const queries = groupQueries(groupMembers(items, (g) => held.has(g)));
  if (!queries.length) return null;
  await initTf();
  const labels = items.map((it) => it.labels);
  const generic = groupRecall({ labels, queries, scores: cosineScorer(items.map((it) => it.features), queries) }).recall;
  const gw = goesWithScorer(model, items);
  const goesWithNoStep = groupRecall({ labels, queries, scores: gw, step: NO_STEP }).recall;
  const goesWith = groupRecall({ labels, queries, scores: gw, step: model.step, prior: model.prior }).recall;
  return { heldOutGroups: held.size, queries: queries.length, generic, goesWith, goesWithNoStep, lift: generic > 0 ? goesWith / generic : NaN };
}
