/**
 * Items seen with items seen with the query: two steps of a walk item -> group -> item -> group ->
 * item over the catalogue's groups (rooms, outfits, boards). Where products recur across groups (a
 * sofa photographed in many rooms), the rooms of the query's room-mates hold the pieces of the same
 * style even when no room shows them with the query itself. Pure: no I/O.
 */
import { groupRecall, type CandidateStep, type GroupRecallInput } from './score.js';

/**
 * Member visits one walk may spend. Boards can hold thousands of items: unbounded, a query whose
 * mates sit on boards of thousands each takes millions of visits, and a served request seconds (a
 * million took ~140 ms on this box; with this budget, a walk through boards of 20,000 took 36 ms).
 */
const WALK_BUDGET = 100_000;

/**
 * Walk mass reaching each item two steps away that shares no group with the query (those are
 * `togetherCounts`' business), scaled so the best reached item has 1. Each step spreads
 * evenly: over the query's groups, a group's other members, a member's other groups, their members.
 * Smaller groups are walked first (their members get the most mass each). Each mate and each member
 * of a far group is a visit; a far group that would take the walk past `budget` visits is left out,
 * and so are the bigger ones after it, and once the mates alone spend it the walk stops: the mass
 * left out is the thinnest.
 */
export function groupWalk(query: number, groupsOf: readonly (readonly string[])[], members: ReadonlyMap<string, readonly number[]>, budget: number = WALK_BUDGET): Map<number, number> {
  const out = new Map<number, number>();
  const size = (g: string) => members.get(g)?.length ?? 0;
  const bySize = (a: string, b: string) => size(a) - size(b) || (a < b ? -1 : a > b ? 1 : 0);
  const own = [...new Set(groupsOf[query] ?? [])].filter((g) => size(g) > 1).sort(bySize);
  // Items already together with the query are `togetherCounts`' business; left in, they would also set the scale.
  const direct = new Set(own.flatMap((g) => members.get(g)!));
  let visits = 0;
  walk: for (const g of own) {
    const mates = members.get(g)!;
    const w1 = 1 / own.length / (mates.length - 1);
    for (const m of mates) {
      if (m === query) continue;
      if (++visits > budget) break walk;
      const next = [...new Set(groupsOf[m] ?? [])].filter((h) => h !== g && size(h) > 1).sort(bySize);
      for (const h of next) {
        const far = members.get(h)!;
        if (visits + far.length > budget) break;
        visits += far.length;
        const w2 = w1 / next.length / (far.length - 1);
        for (const c of far) if (!direct.has(c)) out.set(c, (out.get(c) ?? 0) + w2);
      }
    }
  }
  let top = 0;
  for (const v of out.values()) if (v > top) top = v;
  if (top > 0) for (const [c, v] of out) out.set(c, v / top);
  return out;
}

/** Walk weights tried on the dev split, for a step already chosen; 0 first (ties keep it). */
const WALK_GRID: readonly number[] = [0, 0.25, 0.5, 1, 2, 4, 8, 16];

/**
 * The walk weight with the best dev recall for `step`. Where no dev query reaches anything in two
 * steps (each item in one group, as in outfits or senders) there is nothing to weigh and 0 stays,
 * without a pass.
 */
export function tuneWalk(input: Omit<GroupRecallInput, 'step' | 'walk'> & { readonly step: CandidateStep; readonly walk: (queryIndex: number) => ReadonlyMap<number, number> }): {
  walkWeight: number;
  recall: number;
  none: number;
} {
  const walks = new Map(input.queries.map((q) => [q.index, input.walk(q.index)] as const));
  if (![...walks.values()].some((w) => w.size > 0)) return { walkWeight: 0, recall: NaN, none: NaN };
  const walk = (q: number) => walks.get(q) ?? new Map<number, number>();
  let best = { walkWeight: 0, recall: -Infinity };
  let none = NaN;
  for (const walkWeight of WALK_GRID) {
    const recall = groupRecall({ ...input, step: { ...input.step, walkWeight }, walk }).recall;
    if (walkWeight === 0) none = recall;
    if (recall > best.recall + 1e-9) best = { walkWeight, recall };
  }
  return { ...best, none };
}
