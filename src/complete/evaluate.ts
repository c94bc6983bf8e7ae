/**
 * Complete-the-group Recall@10 on held-out groups: each member of a held-out group queries the whole
 * catalogue (itself excluded) and counts its group-mates in the top 10; generic neighbours (cosine of
 * the stored generic vectors) vs the goes-with model with its candidate step.
 */
import { denseProduct, initTf } from '../embedding/tf.js';
import { GoesWithModel } from './model.js';
import { groupWalk } from './group-walk.js';
import { groupRecall, NO_STEP, togetherCounts } from './score.js';
import { groupMembers, groupQueries } from './split.js';
import { colourScorer, cosineScorer, type CompleteItem } from './train.js';

export { cosineScorer };

export interface CompleteEvaluation {
  heldOutGroups: number;
  queries: number;
  /** Recall@10 = hits / min(10, group-mates), averaged over queries. */
  generic: number;
  goesWith: number;
  /** The goes-with model without its candidate step (other-label preference, label prior, generic mix) or shared groups. */
  goesWithNoStep: number;
  /** The goes-with score without its group walk; null when the model gives the walk no weight. */
  goesWithNoWalk: number | null;
  /**
   * Anchor: items the query shares a visible group with, then generic neighbours. Equal to `generic`
   * where no item belongs to more than one group (a held-out item then has no visible group).
   */
  seenTogether: number;
  /**
   * Anchor: shared visible groups, then the two-step group walk (group-walk.ts), then generic
   * neighbours: plain co-occurrence a shop could count without Loupe. Equal to `seenTogether` where
   * no query reaches anything in two steps.
   */
  seenTogetherWalk: number;
  /** Queries with at least one visible group shared with some item. */
  queriesWithVisibleGroups: number;
  /** Anchor: the nearest palettes (centred colour vectors); null when no item has a photo to read colours from. */
  colour: number | null;
  /** goes-with over the strongest anchor (generic neighbours, seen-together with or without the walk, or colour neighbours). */
  lift: number;
  /** goes-with over generic neighbours alone (the yardstick). */
  liftOverGeneric: number;
}

/**
 * Goes-with scores, (f(q) . g(c) + f(c) . g(q)) / 2, of each query item against every item, as two
 * products on tfjs's kernels: in JavaScript they took 8 s of CPU per clothing-set evaluation.
 */
function goesWithScores(model: GoesWithModel, items: readonly CompleteItem[], queries: readonly number[]): Map<number, Float32Array> {
  const n = items.length;
  const { dims } = model.config;
  const { f, g } = model.projectMany(
    items.map((it) => it.features),
    denseProduct,
  );
  const transposed = (m: Float32Array) => {
    const t = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) t[d * n + i] = m[i * dims + d]!;
    return t;
  };
  const [fT, gT] = [transposed(f), transposed(g)];
  const out = new Map<number, Float32Array>();
  // Blocks of queries: the products' own memory stays at a block's rows, whatever the catalogue.
  for (let start = 0; start < queries.length; start += 256) {
    const block = queries.slice(start, start + 256);
    const rowsOf = (m: Float32Array) => {
      const rows = new Float32Array(block.length * dims);
      block.forEach((q, r) => rows.set(m.subarray(q * dims, (q + 1) * dims), r * dims));
      return rows;
    };
    const fg = denseProduct(rowsOf(f), block.length, gT, dims, n);
    const gf = denseProduct(rowsOf(g), block.length, fT, dims, n);
    block.forEach((q, r) => {
      const scores = new Float32Array(n);
      for (let c = 0; c < n; c++) scores[c] = (fg[r * n + c]! + gf[r * n + c]!) / 2;
      out.set(q, scores);
    });
  }
  return out;
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
  // A held-out item's other groups stay visible, as in a catalogue where only some rooms are unknown.
  const visible = groupMembers(items, (g) => !held.has(g));
  const groupsOf = items.map((it) => it.groups);
  const together = (q: number) => togetherCounts(q, groupsOf, visible);
  const seenTogether = groupRecall({ labels, queries, scores: cosine, together }).recall;
  // Scored once per query and copied: both goes-with recalls below read the same scores (and groupRecall adds to its copy).
  const gwScores = goesWithScores(
    model,
    items,
    queries.map((q) => q.index),
  );
  const gw = (i: number) => new Float32Array(gwScores.get(i)!);
  const goesWithNoStep = groupRecall({ labels, queries, scores: gw, step: NO_STEP }).recall;
  const colourCos = colourScorer(items, queries);
  // A cheap anchor a shop could build without training: the nearest palettes.
  const colour = colourCos ? groupRecall({ labels, queries, scores: colourCos }).recall : null;
  const walks = new Map(queries.map((q) => [q.index, groupWalk(q.index, groupsOf, visible)] as const));
  const walk = (q: number) => walks.get(q)!;
  const walked = [...walks.values()].some((w) => w.size > 0);
  // Lexicographic: shared groups (TOGETHER_WEIGHT each), then what the walk reaches (2 + its mass in (0, 1], above any cosine), then generic neighbours.
  const walkFirst = (q: number) => new Map([...walk(q)].map(([c, v]) => [c, 2 + v] as const));
  const seenTogetherWalk = walked ? groupRecall({ labels, queries, scores: cosine, step: { ...NO_STEP, walkWeight: 1 }, together, walk: walkFirst }).recall : seenTogether;
  const full = { labels, queries, scores: gw, generic: cosine, ...(colourCos ? { colour: colourCos } : {}), step: model.step, prior: model.prior, together, walk };
  const goesWith = groupRecall(full).recall;
  const goesWithNoWalk = model.step.walkWeight ? groupRecall({ ...full, step: { ...model.step, walkWeight: 0 } }).recall : null;
  const strongest = Math.max(generic, seenTogether, seenTogetherWalk, colour ?? 0);
  const queriesWithVisibleGroups = queries.filter((q) => together(q.index).size > 0).length;
  return {
    heldOutGroups: held.size,
    queries: queries.length,
    generic,
    goesWith,
    goesWithNoStep,
    goesWithNoWalk,
    seenTogether,
    seenTogetherWalk,
    queriesWithVisibleGroups,
    colour,
    lift: strongest > 0 ? goesWith / strongest : NaN,
    liftOverGeneric: generic > 0 ? goesWith / generic : NaN,
  };
}
