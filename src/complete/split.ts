/**
 * Held-out groups for complete-the-group: each group is held out with probability `fraction`, drawn
 * from (seed, group name) alone, so the same catalogue and seed always hide the same groups. Training
 * never sees a hidden group, nor the co-interaction pairs of its members; the goes-with fit keeps their
 * other groups, which evaluation shows too (train.ts `devSplit`). Members stay candidates (their
 * pictures are known), and each one queries for its hidden group-mates.
 */
import { hashUniform } from '../embedding/random.js';

export interface GroupedItem {
  readonly id: string;
  readonly labels: readonly string[];
  readonly groups: readonly string[];
}

export interface GroupSplit {
  readonly heldOutGroups: readonly string[];
  /** Items in a held-out group: training never sees their pairs, nor (in the benches' older rule) their other groups. */
  readonly hidden: ReadonlySet<string>;
}

export function holdOutGroups(items: readonly GroupedItem[], seed: number, fraction: number): GroupSplit {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError('fraction must be in (0, 1)');
  const groups = [...new Set(items.flatMap((it) => it.groups))].sort();
  const held = new Set(groups.filter((g) => hashUniform(seed, `complete:${g}`) < fraction));
  return { heldOutGroups: [...held], hidden: new Set(items.filter((it) => it.groups.some((g) => held.has(g))).map((it) => it.id)) };
}

/** Member indices of each group with at least two members, among `keep` items (all when omitted). */
export function groupMembers(items: readonly GroupedItem[], only?: (group: string) => boolean, keep?: (index: number) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  items.forEach((it, i) => {
    if (keep && !keep(i)) return;
    for (const g of it.groups) {
      if (only && !only(g)) continue;
      let m = out.get(g);
      if (!m) out.set(g, (m = []));
      m.push(i);
    }
  });
  for (const [g, m] of out) if (m.length < 2) out.delete(g);
  return out;
}

/** Each member of each group as a query, with its group-mates (across all its listed groups). */
export function groupQueries(members: ReadonlyMap<string, readonly number[]>): { index: number; mates: number[] }[] {
  const mates = new Map<number, Set<number>>();
  for (const m of members.values()) {
    for (const i of m) {
      let s = mates.get(i);
      if (!s) mates.set(i, (s = new Set()));
      for (const j of m) if (j !== i) s.add(j);
    }
  }
  return [...mates].sort((a, b) => a[0] - b[0]).map(([index, s]) => ({ index, mates: [...s] }));
}
