import type { IndexRegistry } from '../../index/registry.js';
import { resolveVersion } from '../../services/discovery.js';
import type { Db } from '../../store/db.js';
import { allEvents, graphItems } from '../../store/events.js';
import type { TasteEvent } from '../actions.js';
import { FeedEngine, type EngineOptions } from '../engine.js';
import { groupsAsUsers, leaveLastOut, scoreFeeds, type MethodScore } from '../evaluate.js';
import { FEED_METHODS, type FeedMethod } from '../feed.js';
import { indexVectors } from './taste-service.js';

export interface FeedEvalOptions {
  version?: string | undefined;
  /** Last items hidden per user (at most half of each user's items). */
  holdout?: number;
  k?: number;
  seed?: number;
  engine?: Partial<EngineOptions>;
  /** Similarity lists are filled for every item up to this catalogue size, so results don't depend on request order. */
  warmLimit?: number;
}

export interface FeedEvalReport {
  version: string;
  /** `events`: the events table; `groups-as-users`: no events, each group played a user. */
  source: 'events' | 'groups-as-users';
  note: string;
  items: number;
  events: number;
  users: number;
  holdout: number;
  k: number;
  methods: Record<FeedMethod, MethodScore>;
  seconds: number;
}

/**
 * Leave-last-k-out evaluation of every feed method on the store's events and one version's
 * vectors, through the same engine that serves feeds. Reads only.
 */
export async function evaluateFeedsOnStore(db: Db, indexes: IndexRegistry, opts: FeedEvalOptions = {}): Promise<FeedEvalReport> {
  const t0 = performance.now();
  const version = await resolveVersion(db, opts.version);
  await indexes.get(version);
  const holdout = opts.holdout ?? 5;
  const k = opts.k ?? 20;

  const catalogue: { id: string; labels: string[]; groups: string[] }[] = [];
  for await (const page of graphItems(db)) catalogue.push(...page);
  let events: TasteEvent[] = [];
  for await (const page of allEvents(db)) events.push(...page);
  const source = events.length ? 'events' : 'groups-as-users';
  if (!events.length) events = groupsAsUsers(catalogue, opts.seed ?? 1);
  const split = leaveLastOut(events, holdout);

  const engine = new FeedEngine(indexVectors(indexes, version), opts.engine);
  // A group that plays a user must not also link its own items, or hidden items leak through it.
  for (const it of catalogue) engine.addItem(it.id, it.labels, source === 'events' ? it.groups : []);
  const byUser = new Map<string, TasteEvent[]>();
  for (const ev of split.train) {
    engine.engage(ev.user, ev.item, ev.weight);
    if (split.test.has(ev.user)) {
      let list = byUser.get(ev.user);
      if (!list) byUser.set(ev.user, (list = []));
      list.push(ev);
    }
  }
  if (catalogue.length <= (opts.warmLimit ?? 50_000)) engine.warmSimilar(catalogue.map((c) => c.id));
  const methods = scoreFeeds(
    split.test,
    FEED_METHODS,
    (user, method) => {
      if (!engine.taste(user)) engine.buildTaste(user, byUser.get(user) ?? []);
      return engine.feed(user, k, method).items.map((i) => i.id);
    },
    k,
  );
  const note =
    source === 'events'
      ? `events table: last ${holdout} distinct items per user hidden (at most half of each user's items)`
      : `no events: each group played a user who saved its items in a seeded random order; group links left out of the graph; last ${holdout} items hidden (at most half)`;
  return { version, source, note, items: catalogue.length, events: events.length, users: split.test.size, holdout, k, methods, seconds: (performance.now() - t0) / 1000 };
}
