/**
 * What was popular when the user was last active: engagement summed per day, and a feed reads
 * the days in a window ending at the user's latest event. On catalogues whose taste drifts or
 * whose items arrive over time this beats all-time popularity; the blend's fit decides whether
 * it counts.
 */
import { topIndices, type EngagementMatrix, type Votes } from './matrix.js';

export interface TrendingOptions {
  /** Days of engagement a feed sums, ending at the user's latest event. */
  windowDays: number;
  /** Items kept per day (the day's most engaged). */
  perDay: number;
}

export const DEFAULT_TRENDING: TrendingOptions = Object.freeze({ windowDays: 28, perDay: 300 });

const DAY = 86_400_000;

export interface TrendingModel {
  windowDays: number;
  /** Day number (epoch days) -> that day's top items (matrix index) and summed weights. */
  days: Map<number, { items: Int32Array; weights: Float32Array }>;
}

export function trainTrending(m: EngagementMatrix, opts: TrendingOptions = DEFAULT_TRENDING): TrendingModel {
  const perDay = new Map<number, Map<number, number>>();
  for (let u = 0; u < m.users.length; u++) {
    for (let p = m.byUser.ptr[u]!; p < m.byUser.ptr[u + 1]!; p++) {
      const day = Math.floor(m.lastTs[p]! / DAY);
      let counts = perDay.get(day);
      if (!counts) perDay.set(day, (counts = new Map()));
      const i = m.byUser.col[p]!;
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
  }
  const days = new Map<number, { items: Int32Array; weights: Float32Array }>();
  for (const [day, counts] of perDay) {
    const entries = [...counts];
    const top = topIndices(
      entries.map((e) => e[1]),
      opts.perDay,
    );
    days.set(day, { items: Int32Array.from(top, (t) => entries[t.index]![0]), weights: Float32Array.from(top, (t) => t.score) });
  }
  return { windowDays: opts.windowDays, days };
}

/** Adds the window's engagement, ending at `at` (ms). */
export function trendingScores(model: TrendingModel, at: number, votes: Votes): void {
  const last = Math.floor(at / DAY);
  for (let d = last - model.windowDays + 1; d <= last; d++) {
    const day = model.days.get(d);
    if (!day) continue;
    for (let j = 0; j < day.items.length; j++) votes.add(day.items[j]!, day.weights[j]!);
  }
}
