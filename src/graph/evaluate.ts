import { mean, ndcgAtK, recallAtK } from '../eval/metrics.js';
import type { TasteEvent } from './actions.js';
import { seededRandom, shuffled } from './vec.js';

/**
 * Offline evaluation of feeds: leave-last-k-out on time-ordered events. Each user's last events
 * are hidden, the feed is built from the rest, and Recall@K / NDCG@K count the hidden items it
 * brings back. Items the user already engaged with before the cut are never recommended, so they
 * are not counted as hidden either.
 */
export interface HoldoutSplit {
  train: TasteEvent[];
  /** User -> hidden items, in time order. */
  test: Map<string, string[]>;
}

/** Each user's events in time order (ties keep the input order). */
function historiesByUser(events: readonly TasteEvent[]): Map<string, { ev: TasteEvent; i: number }[]> {
  const byUser = new Map<string, { ev: TasteEvent; i: number }[]>();
  events.forEach((ev, i) => {
    let list = byUser.get(ev.user);
    if (!list) byUser.set(ev.user, (list = []));
    list.push({ ev, i });
  });
  for (const list of byUser.values()) list.sort((a, b) => a.ev.ts - b.ev.ts || a.i - b.i);
  return byUser;
}

/** Hides up to `k` last distinct items per user, never more than half of what they engaged with. */
export function leaveLastOut(events: readonly TasteEvent[], k: number): HoldoutSplit {
  const train: TasteEvent[] = [];
  const test = new Map<string, string[]>();
  for (const [user, list] of historiesByUser(events)) {
    const distinct = new Set(list.map((x) => x.ev.item)).size;
    const h = Math.min(k, Math.floor(distinct / 2));
    // Walk back from the end until h distinct items are hidden.
    const hidden = new Set<string>();
    let cut = list.length;
    while (cut > 0 && (hidden.size < h || hidden.has(list[cut - 1]!.ev.item))) hidden.add(list[--cut]!.ev.item);
    const before = list.slice(0, cut).map((x) => x.ev);
    train.push(...before);
    const seen = new Set(before.map((e) => e.item));
    const targets = [...new Set(list.slice(cut).map((x) => x.ev.item))].filter((id) => !seen.has(id));
    if (h > 0 && targets.length) test.set(user, targets);
  }
  return { train, test };
}

/**
 * For catalogues without events: each group (board, outfit, sender) becomes a user who saved its
 * items one after another in a seeded random order.
 */
export function groupsAsUsers(items: readonly { id: string; groups: readonly string[] }[], seed = 1): TasteEvent[] {
  const members = new Map<string, string[]>();
  for (const it of items) {
    for (const g of it.groups) {
      let m = members.get(g);
      if (!m) members.set(g, (m = []));
      m.push(it.id);
    }
  }
  const rand = seededRandom(seed);
  const out: TasteEvent[] = [];
  for (const g of [...members.keys()].sort()) {
    shuffled(members.get(g)!.sort(), rand).forEach((item, i) => out.push({ user: `group:${g}`, item, action: 'save', weight: 1, ts: i * 1000 }));
  }
  return out;
}

export interface MethodScore {
  recall: number;
  ndcg: number;
  users: number;
}

/** Mean Recall@k and NDCG@k of each method's ranked lists over the test users. */
export function scoreFeeds<M extends string>(
  test: ReadonlyMap<string, readonly string[]>,
  methods: readonly M[],
  recommend: (user: string, method: M) => readonly string[],
  k: number,
): Record<M, MethodScore> {
  const out = {} as Record<M, MethodScore>;
  for (const m of methods) {
    const recalls: number[] = [];
    const ndcgs: number[] = [];
    for (const [user, hidden] of test) {
      const want = new Set(hidden);
      const hits = recommend(user, m)
        .slice(0, k)
        .map((id) => want.has(id));
      recalls.push(recallAtK(hits, want.size, k));
      ndcgs.push(ndcgAtK(hits, want.size, k));
    }
    out[m] = { recall: mean(recalls), ndcg: mean(ndcgs), users: recalls.length };
  }
  return out;
}

/** Items hidden per user by default in feed evaluations (and never trained on by an embedding version). */
export const FEED_HOLDOUT = 5;

/** The feed evaluation's hold-out rules, by name (a changed rule is a new name). */
export const HOLDOUT_PROTOCOLS = ['last-items', 'last-positive'] as const;
export type HoldoutProtocol = (typeof HOLDOUT_PROTOCOLS)[number];

/**
 * `last-positive`: per user, the last `k` distinct items with a positive event (weight >= `minWeight`,
 * e.g. a save or purchase rather than a view) are hidden, with every event from the first of them
 * on; at most half of a user's positive items, and only users keeping at least one event.
 */
export function leaveLastPositiveOut(events: readonly TasteEvent[], k: number, minWeight = 1): HoldoutSplit {
  const train: TasteEvent[] = [];
  const test = new Map<string, string[]>();
  for (const [user, list] of historiesByUser(events)) {
    const positive = new Set(list.filter((x) => x.ev.weight >= minWeight).map((x) => x.ev.item));
    const h = Math.min(k, Math.floor(positive.size / 2));
    const hidden = new Set<string>();
    let cut = list.length;
    if (h > 0) {
      while (cut > 0 && hidden.size < h) {
        const ev = list[--cut]!.ev;
        if (ev.weight >= minWeight) hidden.add(ev.item);
      }
    }
    const before = list.slice(0, cut).map((x) => x.ev);
    if (!before.length) {
      train.push(...list.map((x) => x.ev));
      continue;
    }
    train.push(...before);
    const seen = new Set(before.map((e) => e.item));
    const targets = [...hidden].reverse().filter((id) => !seen.has(id));
    if (targets.length) test.set(user, targets);
  }
  return { train, test };
}

export function holdoutSplit(protocol: HoldoutProtocol, events: readonly TasteEvent[], k: number): HoldoutSplit {
  return protocol === 'last-positive' ? leaveLastPositiveOut(events, k) : leaveLastOut(events, k);
}

/** The parts of a test set a result is also reported on: heavy and light users, and hidden items nobody engaged with in training. */
export interface TestSlices {
  heavy: Map<string, string[]>;
  light: Map<string, string[]>;
  /** Per user, only the hidden items without a training event (users with none left out). */
  cold: Map<string, string[]>;
}

export function testSlices(split: HoldoutSplit): TestSlices {
  const counts = new Map<string, number>();
  const engaged = new Set<string>();
  for (const ev of split.train) {
    counts.set(ev.user, (counts.get(ev.user) ?? 0) + 1);
    engaged.add(ev.item);
  }
  const users = [...split.test.keys()];
  const sorted = users.map((u) => counts.get(u) ?? 0).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const heavy = new Map<string, string[]>();
  const light = new Map<string, string[]>();
  const cold = new Map<string, string[]>();
  for (const [u, hidden] of split.test) {
    ((counts.get(u) ?? 0) > median ? heavy : light).set(u, hidden);
    const c = hidden.filter((id) => !engaged.has(id));
    if (c.length) cold.set(u, c);
  }
  return { heavy, light, cold };
}

/**
 * How much of one user's time-ordered history a model may train on so that neither hold-out
 * protocol's hidden part (the last `k` items; the last `k` positive items and everything after)
 * is ever seen: the length of the shorter kept prefix.
 */
export function trainablePrefix(items: readonly string[], weights: readonly number[], k: number, minWeight = 1): number {
  const cutOf = (counts: (i: number) => boolean, distinct: number) => {
    const h = Math.min(k, Math.floor(distinct / 2));
    const hidden = new Set<string>();
    let cut = items.length;
    while (cut > 0 && hidden.size < h) if (counts(--cut)) hidden.add(items[cut]!);
    // Earlier events of an item already hidden are hidden with it.
    while (cut > 0 && hidden.has(items[cut - 1]!)) cut--;
    return cut;
  };
  const last = cutOf(() => true, new Set(items).size);
  const positive = cutOf((i) => weights[i]! >= minWeight, new Set(items.filter((_, i) => weights[i]! >= minWeight)).size);
  return Math.min(last, positive);
}

/** Pairs of items engaged within `window` steps of each other in a history (each pair once, ordered). */
export function sequencePairs(sequences: readonly (readonly string[])[], window = 3): [string, string][] {
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (const items of sequences) {
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j <= i + window && j < items.length; j++) {
        const [a, b] = [items[i]!, items[j]!].sort() as [string, string];
        if (a === b || seen.has(`${a}\u0000${b}`)) continue;
        seen.add(`${a}\u0000${b}`);
        pairs.push([a, b]);
      }
    }
  }
  return pairs;
}
