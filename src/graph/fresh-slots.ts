/**
 * Fresh slots: a blended feed keeps the last slot of every `every` for an item nobody has engaged
 * with yet (found by looks), so a new item is reachable from the feed before anyone touches it.
 * How often is fitted per catalogue (`fitBlend`): where looks say little about what people save,
 * a slot on every page costs recall and the rate moves past the first page. Pure.
 */

/** Rates a fit may pick; 20 (one slot on a page of 20) unless validation clearly says otherwise. */
export const FRESH_EVERY_DEFAULT = 20;
export const FRESH_EVERY_CHOICES = [FRESH_EVERY_DEFAULT, 10, 100] as const;

/** What a validation case knows about fresh items: the visual candidates (best first) and the test. */
export interface FreshCandidates {
  candidates: readonly string[];
  isFresh: (id: string) => boolean;
}

/**
 * `items` with the last slot of every `every` (of the first `k`) holding a fresh item, taken from
 * `candidates` best first, where the list does not already hold enough fresh items; a list shorter
 * than a slot's position gets the candidate appended. `candidates` is only called when a slot is
 * open (gathering them costs a visual search per feed).
 */
export function placeFresh<T extends { id: string }>(items: readonly T[], candidates: () => readonly T[], isFresh: (id: string) => boolean, k: number, every: number): T[] {
  if (!(every > 0)) return [...items];
  const slots = Math.floor(k / every);
  const have = items.filter((i) => isFresh(i.id)).length;
  if (!slots || have >= slots) return [...items];
  const shown = new Set(items.map((i) => i.id));
  const queue = candidates().filter((c) => isFresh(c.id) && !shown.has(c.id));
  const out = [...items];
  let need = slots - have;
  for (let s = slots; s >= 1 && need > 0 && queue.length; s--) {
    const at = s * every - 1;
    if (at < out.length && isFresh(out[at]!.id)) continue;
    const pick = queue.shift()!;
    if (at < out.length) out[at] = pick;
    else out.push(pick);
    need--;
  }
  return out;
}
