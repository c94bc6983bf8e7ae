/**
 * Complete-the-group Recall@10 on held-out groups: each member of a held-out group queries the whole
 * catalogue (itself excluded) and counts its group-mates in the top 10; generic neighbours (cosine of
 * the stored generic vectors) vs the goes-with model with its candidate step.
 */
import { initTf } from '../embedding/tf.js';
import { GoesWithModel } from './model.js';
import { groupRecall, NO_STEP } from './score.js';
import { groupMembers, groupQueries } from './split.js';
import { cosineScorer, type CompleteItem } from './train.js';

export { cosineScorer };

export interface CompleteEvaluation {
  heldOutGroups: number;
  queries: number;
  /** Recall@10 = hits / min(10, group-mates), averaged over queries. */
  generic: number;
  goesWith: number;
  /** The goes-with model without its candidate step (other-label preference, label prior, generic mix). */
  goesWithNoStep: number;
  lift: number;
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
  const cosine = cosineScorer(
    items.map((it) => it.features),
    queries,
  );
  const generic = groupRecall({ labels, queries, scores: cosine }).recall;
  const gw = goesWithScorer(model, items);
  const goesWithNoStep = groupRecall({ labels, queries, scores: gw, step: NO_STEP }).recall;
  const goesWith = groupRecall({ labels, queries, scores: gw, generic: cosine, step: model.step, prior: model.prior }).recall;
  return { heldOutGroups: held.size, queries: queries.length, generic, goesWith, goesWithNoStep, lift: generic > 0 ? goesWith / generic : NaN };
}
