/**
 * A seeded generator of shoppers with hidden tastes, for developing and testing feeds where no
 * real behaviour exists. Each person's taste is part visual (a point in the catalogue's embedding
 * space, or a favourite label when no vectors are given) and part not (two of a handful of hidden
 * "communities" the items are split into at random: brand, price tier, a co-purchase circle that
 * no photo shows). Items have a heavy-tailed appeal (popularity skew) and a release time (late
 * items are cold); people come back in sessions whose items follow each other (co-purchase
 * pairs), and their community tastes drift over time. A correct collaborative model must win on
 * the non-visual part; only the visual sources can reach items released after the training cut.
 */
import { DAY_MS, DEFAULT_ACTION_WEIGHTS, type TasteEvent } from '../actions.js';
import { dot, normalized, seededRandom } from '../vec.js';

export interface ShopperItem {
  id: string;
  labels: readonly string[];
}

export interface ShopperOptions {
  people: number;
  /** Mean sessions per person (heavy-tailed: a few people come back far more often). */
  sessions: number;
  /** Mean items per session. */
  perSession: number;
  communities: number;
  /** How much the visual taste, the community taste and the item's appeal weigh in a choice. */
  visual: number;
  community: number;
  appeal: number;
  /** Chance that a session's next item is the last one's co-purchase partner. */
  pairChance: number;
  /** Share of items released over the last fifth of the timeline (the rest exist from the start). */
  lateItems: number;
  /** Chance per session that a person's second community changes (drift). */
  drift: number;
  days: number;
  seed: number;
  start: number;
}

export const DEFAULT_SHOPPERS: ShopperOptions = Object.freeze({
  people: 400,
  sessions: 6,
  perSession: 5,
  communities: 12,
  visual: 4,
  community: 3,
  appeal: 1,
  pairChance: 0.3,
  lateItems: 0.1,
  drift: 0.15,
  days: 180,
  seed: 7,
  start: Date.UTC(2026, 0, 1),
});

const PROJECTED = 32;

/** Standard normal from two uniforms (Box-Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Everything hidden about the catalogue and the people, then the events they produce. */
export function generateShoppers(items: readonly ShopperItem[], vectorOf: ((id: string) => ArrayLike<number> | undefined) | undefined, options: Partial<ShopperOptions> = {}): TasteEvent[] {
  const o = { ...DEFAULT_SHOPPERS, ...options };
  const rand = seededRandom(o.seed);
  const n = items.length;
  if (!n || o.people <= 0) return [];
  const span = o.days * DAY_MS;

  // Visual positions: a seeded random projection of each vector to 32-d, or a label's random point.
  const labelPoint = new Map<string, Float32Array>();
  const randomPoint = () => normalized(Float32Array.from({ length: PROJECTED }, () => gaussian(rand)));
  const dims = vectorOf ? (vectorOf(items[0]!.id)?.length ?? 0) : 0;
  const projection = dims ? Array.from({ length: PROJECTED }, () => Float32Array.from({ length: dims }, () => gaussian(rand))) : [];
  const look = items.map((it) => {
    const v = vectorOf?.(it.id);
    if (v && v.length === dims) {
      const c = normalized(v);
      return normalized(Float32Array.from(projection, (row) => dot(row, c)));
    }
    const key = it.labels[0] ?? '';
    if (!labelPoint.has(key)) labelPoint.set(key, randomPoint());
    return labelPoint.get(key)!;
  });
  const appeal = items.map(() => gaussian(rand));
  const community = items.map(() => Math.floor(rand() * o.communities));
  const release = items.map(() => (rand() < o.lateItems ? o.start + span * (0.8 + 0.2 * rand()) : o.start));
  // Co-purchase pairs: each item's partner shares its community (a set bought together).
  const byCommunity = Array.from({ length: o.communities }, () => [] as number[]);
  community.forEach((c, i) => byCommunity[c]!.push(i));
  const partner = items.map((_, i) => {
    const pool = byCommunity[community[i]!]!;
    return pool[Math.floor(rand() * pool.length)]!;
  });

  const events: TasteEvent[] = [];
  const weights = DEFAULT_ACTION_WEIGHTS;
  const utility = new Float64Array(n);
  for (let p = 0; p < o.people; p++) {
    const user = `shopper-${String(p + 1).padStart(4, '0')}`;
    const taste = look[Math.floor(rand() * n)]!;
    const tastes = [Math.floor(rand() * o.communities), Math.floor(rand() * o.communities)];
    const sessions = Math.max(1, Math.round(o.sessions * Math.exp(gaussian(rand) * 0.8 - 0.32)));
    const first = o.start + rand() * span * 0.7;
    const times = Array.from({ length: sessions }, () => first + rand() * (o.start + span - first)).sort((a, b) => a - b);
    const seen = new Set<number>();
    for (const t0 of times) {
      if (rand() < o.drift) tastes[1] = Math.floor(rand() * o.communities);
      for (let i = 0; i < n; i++) {
        utility[i] =
          release[i]! > t0 ? -Infinity : o.visual * dot(look[i]!, taste) + o.community * ((community[i] === tastes[0] ? 1 : 0) + (community[i] === tastes[1] ? 0.8 : 0)) + o.appeal * appeal[i]!;
      }
      const count = Math.max(1, Math.round(o.perSession * (0.5 + rand())));
      let last = -1;
      for (let s = 0; s < count; s++) {
        let pick = -1;
        if (last >= 0 && rand() < o.pairChance && !seen.has(partner[last]!) && release[partner[last]!]! <= t0) pick = partner[last]!;
        if (pick < 0) {
          // Gumbel-max: a draw from softmax(utility) over the items not engaged with yet.
          let best = -Infinity;
          for (let i = 0; i < n; i++) {
            if (seen.has(i) || utility[i] === -Infinity) continue;
            const g = utility[i]! - Math.log(-Math.log(rand() || 1e-12));
            if (g > best) [best, pick] = [g, i];
          }
        }
        if (pick < 0) break;
        seen.add(pick);
        const u = utility[pick]!;
        const r = rand();
        // Stronger matches are saved or bought more often than merely viewed.
        const strong = 1 / (1 + Math.exp(-(u - 3)));
        const action = r < 0.08 * strong ? 'purchase' : r < 0.6 * strong ? 'save' : r < 0.75 ? 'click' : 'view';
        events.push({ user, item: items[pick]!.id, action, weight: weights[action]!, ts: Math.round(t0 + s * 60_000 + rand() * 30_000) });
        last = pick;
      }
    }
  }
  return events.sort((a, b) => a.ts - b.ts || (a.user < b.user ? -1 : 1));
}
