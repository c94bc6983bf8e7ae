/**
 * A seeded generator of a rating site's behaviour (the shape of public rating sets: people rate
 * what they have watched, mostly in one sitting, a rating >= 4 is a `save` and a lower one a `view`),
 * for developing feeds where no real behaviour exists. Tastes are not visual at all: each item has
 * a few hidden genres, a quality and a heavy-tailed fame; each person likes a few genres and rates
 * generously or harshly. What is rated when follows the site: new releases are rated most in the
 * weeks after they come out, people browse one genre page for a while (consecutive ratings share a
 * genre), and a sitting's ratings are seconds apart. A correct collaborative model must win here,
 * and time (what was new when a person rated) carries signal no static model sees; the visual
 * sources should find nothing beyond popularity.
 */
import { DAY_MS, DEFAULT_ACTION_WEIGHTS, type TasteEvent } from '../actions.js';
import { seededRandom } from '../vec.js';

export interface RaterOptions {
  people: number;
  /** Items that get rated (a seeded subset of the catalogue; the rest stay unrated). */
  items: number;
  genres: number;
  /** How much a person's genre taste weighs against an item's fame in what they watch. */
  taste: number;
  /** Median ratings per person (log-normal, at least `minRatings`). */
  medianRatings: number;
  minRatings: number;
  /** Share of the rated items released during the timeline (the rest are back catalogue). */
  newReleases: number;
  /** Days over which a new release's extra draw halves. */
  hypeDays: number;
  /** Chance that the next rating comes from the same genre page as the last one. */
  browse: number;
  /** Chance per rating that one of a person's liked genres gives way to another (0: tastes hold). */
  drift: number;
  /** Share of ratings that are >= 4 (`save`), matched by the threshold. */
  saveShare: number;
  days: number;
  seed: number;
  start: number;
}

export const DEFAULT_RATERS: RaterOptions = Object.freeze({
  people: 943,
  items: 1600,
  genres: 18,
  taste: 1.6,
  medianRatings: 65,
  minRatings: 20,
  newReleases: 0.15,
  hypeDays: 20,
  browse: 0.4,
  drift: 0,
  saveShare: 0.55,
  days: 210,
  seed: 11,
  start: Date.UTC(2026, 0, 1),
});

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Everything hidden about the items and the people, then the ratings they make, as events. */
export function generateRaters(itemIds: readonly string[], options: Partial<RaterOptions> = {}): TasteEvent[] {
  const o = { ...DEFAULT_RATERS, ...options };
  const rand = seededRandom(o.seed);
  const pool = [...itemIds].sort();
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const ids = pool.slice(0, Math.min(o.items, pool.length));
  const n = ids.length;
  if (!n || o.people <= 0) return [];
  const span = o.days * DAY_MS;

  // Genres are unevenly common (drama-like genres cover many items); an item has one to three.
  const genreShare = Array.from({ length: o.genres }, () => Math.exp(gaussian(rand)));
  const drawGenre = () => {
    let r = rand() * genreShare.reduce((a, b) => a + b, 0);
    for (let g = 0; g < o.genres; g++) if ((r -= genreShare[g]!) <= 0) return g;
    return o.genres - 1;
  };
  const genres = ids.map(() => [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, drawGenre))]);
  const byGenre = Array.from({ length: o.genres }, () => [] as number[]);
  genres.forEach((gs, i) => gs.forEach((g) => byGenre[g]!.push(i)));
  const fame = ids.map(() => 1.3 * gaussian(rand));
  const quality = ids.map(() => 0.8 * gaussian(rand));
  const release = ids.map(() => (rand() < o.newReleases ? o.start + span * rand() : -Infinity));

  const drafts: { user: string; item: number; score: number; ts: number }[] = [];
  const weightOf = new Float64Array(n);
  for (let p = 0; p < o.people; p++) {
    const user = `rater-${String(p + 1).padStart(4, '0')}`;
    const taste = Array.from({ length: o.genres }, () => (rand() < 0.25 ? 1 + rand() : -0.3 * rand()));
    const bias = 0.5 * gaussian(rand);
    const total = Math.max(o.minRatings, Math.round(o.medianRatings * Math.exp(0.9 * gaussian(rand))));
    const arrive = o.start + rand() * span * 0.95;
    // Most people rate in one sitting; some come back a few times before the end.
    const sittings = [arrive];
    while (rand() < 0.35) sittings.push(arrive + rand() * (o.start + span - arrive));
    sittings.sort((a, b) => a - b);
    const seen = new Set<number>();
    const like = (i: number) => genres[i]!.reduce((s, g) => s + taste[g]!, 0) / Math.sqrt(genres[i]!.length);
    let made = 0;
    sittings.forEach((t0, s) => {
      const count = s === sittings.length - 1 ? total - made : Math.round((total - made) * (0.4 + 0.4 * rand()));
      const weigh = () => {
        for (let i = 0; i < n; i++) {
          const age = t0 - release[i]!;
          weightOf[i] = age < 0 ? 0 : Math.exp(fame[i]! + o.taste * like(i) + (Number.isFinite(age) ? 2.5 * Math.pow(2, -age / (o.hypeDays * DAY_MS)) : 0));
        }
      };
      weigh();
      let page = -1;
      for (let r = 0; r < count; r++) {
        if (o.drift > 0 && rand() < o.drift && driftTaste(taste, rand)) weigh();
        const fromPage = page >= 0 && rand() < o.browse;
        const candidates = fromPage ? byGenre[page]! : undefined;
        const pick = draw(candidates, n, weightOf, seen, rand);
        if (pick < 0) break;
        seen.add(pick);
        made++;
        const gs = genres[pick]!;
        page = gs[Math.floor(rand() * gs.length)]!;
        drafts.push({ user, item: pick, score: like(pick) + quality[pick]! + bias + 0.7 * gaussian(rand), ts: Math.round(t0 + r * 15_000 + rand() * 10_000) });
      }
    });
  }
  // The rating threshold that makes `saveShare` of ratings a 4 or 5.
  const scores = drafts.map((d) => d.score).sort((a, b) => a - b);
  const cut = scores[Math.floor((1 - o.saveShare) * scores.length)] ?? 0;
  return drafts
    .map((d) => {
      const action = d.score >= cut ? 'save' : 'view';
      return { user: d.user, item: ids[d.item]!, action, weight: DEFAULT_ACTION_WEIGHTS[action]!, ts: d.ts };
    })
    .sort((a, b) => a.ts - b.ts || (a.user < b.user ? -1 : 1));
}

/** Swaps one liked genre for one not liked; false when there is none of either. */
function driftTaste(taste: number[], rand: () => number): boolean {
  const liked = taste.flatMap((t, g) => (t > 0 ? [g] : []));
  const other = taste.flatMap((t, g) => (t > 0 ? [] : [g]));
  if (!liked.length || !other.length) return false;
  const from = liked[Math.floor(rand() * liked.length)]!;
  const to = other[Math.floor(rand() * other.length)]!;
  [taste[from], taste[to]] = [taste[to]!, taste[from]!];
  return true;
}

/** A weighted draw among `candidates` (or all items) not seen yet; -1 when none is left. */
function draw(candidates: readonly number[] | undefined, n: number, weight: Float64Array, seen: ReadonlySet<number>, rand: () => number): number {
  let sum = 0;
  const each = (fn: (i: number) => void) => {
    if (candidates) for (const i of candidates) fn(i);
    else for (let i = 0; i < n; i++) fn(i);
  };
  each((i) => {
    if (!seen.has(i)) sum += weight[i]!;
  });
  if (!(sum > 0)) return candidates ? draw(undefined, n, weight, seen, rand) : -1;
  let r = rand() * sum;
  let last = -1;
  let found = -1;
  each((i) => {
    if (found >= 0 || seen.has(i) || !(weight[i]! > 0)) return;
    last = i;
    if ((r -= weight[i]!) <= 0) found = i;
  });
  return found >= 0 ? found : last;
}
