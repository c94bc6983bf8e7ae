/**
 * Seeded held-out splits. Membership depends only on (seed, ids, groups), never on input order, so the
 * same catalogue and seed always hold out the same items.
 */
import { hashUniform } from './random.js';
import type { TrainingData, TrainingItem } from './types.js';

export interface SplitOptions {
  readonly seed: number;
  /** Target share of items held out, in (0, 1); default 0.2. */
  readonly fraction?: number;
  /**
   * 'group' holds out whole groups: every item of a held-out group is held out (an item in several groups
   * goes when any of them does; items without groups are drawn one by one). 'item' draws items alone.
   * 'mixed' does both, half the target each: whole groups first (new boards, sellers, outfits), then
   * single items of the groups that stay (new items in known groups). Default 'mixed' when any item has
   * a group, else 'item'.
   */
  readonly by?: SplitMode;
}

export const SPLIT_MODES = Object.freeze(['item', 'group', 'mixed'] as const);
export type SplitMode = (typeof SPLIT_MODES)[number];

export interface Split {
  readonly train: readonly string[];
  readonly heldOut: readonly string[];
  /** Groups held out whole (empty for an item split). */
  readonly heldOutGroups: readonly string[];
}

type SplitInput = Pick<TrainingItem, 'id' | 'groups'>;

export function splitItems(items: readonly SplitInput[], options: SplitOptions): Split {
  const fraction = options.fraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError('fraction must be in (0, 1)');
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new Error(`duplicate item id ${it.id}`);
    ids.add(it.id);
  }
  const hasGroups = items.some((it) => (it.groups?.length ?? 0) > 0);
  const by = options.by ?? (hasGroups ? 'mixed' : 'item');
  const target = Math.round(fraction * items.length);
  const held = new Set<string>();
  const heldGroups: string[] = [];
  const draw = (key: string) => hashUniform(options.seed, key);

  const holdItems = (upTo: number) => {
    const order = [...ids].map((id) => ({ id, u: draw(`i:${id}`) })).sort((a, b) => a.u - b.u || (a.id < b.id ? -1 : 1));
    for (const { id } of order) {
      if (held.size >= upTo) break;
      held.add(id);
    }
  };
  const holdGroups = (upTo: number) => {
    // Units: each group, plus each ungrouped item on its own.
    const members = new Map<string, string[]>();
    for (const it of items) {
      const keys = it.groups?.length ? it.groups.map((g) => `g:${g}`) : [`i:${it.id}`];
      for (const k of keys) {
        let m = members.get(k);
        if (!m) members.set(k, (m = []));
        m.push(it.id);
      }
    }
    const units = [...members.keys()].map((k) => ({ k, u: draw(k) })).sort((a, b) => a.u - b.u || (a.k < b.k ? -1 : 1));
    for (const { k } of units) {
      if (held.size >= upTo) break;
      const m = members.get(k)!;
      // Skip a unit that would overshoot the target by more than it helps.
      if (held.size + m.length - upTo > upTo - held.size) continue;
      for (const id of m) held.add(id);
      if (k.startsWith('g:')) heldGroups.push(k.slice(2));
    }
  };
  if (by === 'item') holdItems(target);
  else if (by === 'group') holdGroups(target);
  else {
    holdGroups(Math.round(target / 2));
    holdItems(target);
  }
  const inOrder = items.map((it) => it.id);
  return {
    train: inOrder.filter((id) => !held.has(id)),
    heldOut: inOrder.filter((id) => held.has(id)),
    heldOutGroups: heldGroups.sort(),
  };
}

/**
 * The held-out items in two parts, by what training saw of their groups: `newItems` (a new photo of a known
 * contributor) holds only items with a group that keeps at least one training member; `newGroups` holds
 * grouped items none of whose groups has a training member (groups held out whole, and groups whose every
 * member was drawn alone, such as a one-photo contributor). Items without groups are in neither part.
 */
export function heldOutParts(heldOut: readonly string[], train: readonly string[], groupsOf: (id: string) => readonly string[]): { newItems: string[]; newGroups: string[] } {
  const seen = new Set(train.flatMap((id) => groupsOf(id)));
  const newGroups: string[] = [];
  const newItems: string[] = [];
  for (const id of heldOut) {
    const groups = groupsOf(id);
    if (!groups.length) continue;
    (groups.some((g) => seen.has(g)) ? newItems : newGroups).push(id);
  }
  return { newItems, newGroups };
}

/**
 * The data with every supervision signal of `hidden` items removed: labels, groups, and interactions
 * touching them. Their features, title and description stay (unlabelled items are legitimately known),
 * and since item text is built from title/description/labels, their labels cannot leak through text.
 */
export function withoutSignals(data: TrainingData, hidden: Iterable<string>): TrainingData {
  const h = new Set(hidden);
  return {
    items: data.items.map((it) => {
      if (!h.has(it.id)) return it;
      const { labels: _l, groups: _g, ...rest } = it;
      return rest;
    }),
    ...(data.interactions ? { interactions: data.interactions.filter(([a, b]) => !h.has(a) && !h.has(b)) } : {}),
  };
}

/** Only the `keep` items (and interactions among them). */
export function subset(data: TrainingData, keep: Iterable<string>): TrainingData {
  const k = new Set(keep);
  return {
    items: data.items.filter((it) => k.has(it.id)),
    ...(data.interactions ? { interactions: data.interactions.filter(([a, b]) => k.has(a) && k.has(b)) } : {}),
  };
}

/** Which items a version never saw: written beside the model, read by `loupe eval`. */
export interface SplitRecord {
  seed: number;
  heldOut: string[];
  heldOutGroups: string[];
  fitIds: string[];
  validationIds: string[];
}
