import type { IndexRegistry } from '../../index/registry.js';
import { resolveVersion } from '../../services/discovery.js';
import type { Db } from '../../store/db.js';
import { allEvents, graphItems } from '../../store/events.js';
import { saveBlendWeights } from '../../store/feed-blend.js';
import type { TasteEvent } from '../actions.js';
import { DEFAULT_BLEND, describeBlend, fitBlend, type BlendCase, type BlendTrial, type BlendWeights } from '../blend.js';
import { FeedEngine, type EngineOptions, type VectorSource } from '../engine.js';
import { groupsAsUsers, leaveLastOut, scoreFeeds, type HoldoutSplit, type MethodScore } from '../evaluate.js';
import { FEED_METHODS, type FeedMethod } from '../feed.js';
import { seededRandom, shuffled } from '../vec.js';
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
  /** Fit the blend's weights on a validation split of the training events (default true); false scores the engine's weights. */
  fit?: boolean;
  /** Validation users the fit scores at most (a seeded sample beyond that). */
  maxValidationUsers?: number;
  /** Store the fitted weights for the version, so served feeds use them (default false: reads only). */
  save?: boolean;
}

export interface FeedBlendReport {
  /** The weights the `blend` row was scored with. */
  weights: BlendWeights;
  /** True when fitted here on validation users; false: the engine's (default) weights. */
  fitted: boolean;
  /** Users the fit scored (their last training items hidden), and its validation scores. */
  validationUsers: number;
  validation: { recall: number; ndcg: number } | null;
  /** Validation Recall@k and NDCG@k of every setting tried (empty when not fitted). */
  trials: BlendTrial[];
  /** Whether the weights were stored for serving. */
  saved: boolean;
  note: string;
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
  blend: FeedBlendReport;
  seconds: number;
}

type Catalogue = { id: string; labels: string[]; groups: string[] }[];

/** An engine holding the catalogue and `split.train`; `model(user)` builds a user's model from it on first use. */
function engineOn(vectors: VectorSource, catalogue: Catalogue, withGroups: boolean, split: HoldoutSplit, opts: Partial<EngineOptions>) {
  const engine = new FeedEngine(vectors, opts);
  // A group that plays a user must not also link its own items, or hidden items leak through it.
  for (const it of catalogue) engine.addItem(it.id, it.labels, withGroups ? it.groups : []);
  const byUser = new Map<string, TasteEvent[]>();
  for (const ev of split.train) {
    engine.engage(ev.user, ev.item, ev.weight);
    if (split.test.has(ev.user)) {
      let list = byUser.get(ev.user);
      if (!list) byUser.set(ev.user, (list = []));
      list.push(ev);
    }
  }
  const model = (user: string) => {
    if (!engine.taste(user)) engine.buildTaste(user, byUser.get(user) ?? []);
  };
  return { engine, model };
}

/**
 * Leave-last-k-out evaluation of every feed method on the store's events and one version's
 * vectors, through the same engine that serves feeds. The blend's weights are fitted first on
 * the training events alone: each user's last training items are hidden in turn (an inner
 * leave-last-k-out), every weighting in the grid is scored on them, and the best one (Recall@k,
 * then NDCG@k) is what the `blend` row uses. Reads only, unless `save` stores the fitted weights.
 */
export async function evaluateFeedsOnStore(db: Db, indexes: IndexRegistry, opts: FeedEvalOptions = {}): Promise<FeedEvalReport> {
  const t0 = performance.now();
  const version = await resolveVersion(db, opts.version);
  await indexes.get(version);
  const holdout = opts.holdout ?? 5;
  const k = opts.k ?? 20;
  const seed = opts.seed ?? 1;

  const catalogue: Catalogue = [];
  for await (const page of graphItems(db)) catalogue.push(...page);
  let events: TasteEvent[] = [];
  for await (const page of allEvents(db)) events.push(...page);
  const source = events.length ? 'events' : 'groups-as-users';
  if (!events.length) events = groupsAsUsers(catalogue, seed);
  const split = leaveLastOut(events, holdout);
  const vectors = indexVectors(indexes, version);
  const warm = catalogue.length <= (opts.warmLimit ?? 50_000);

  // Validation: the test events stay out; the training part is split again the same way.
  let blend: FeedBlendReport = { weights: { ...(opts.engine?.blend ?? DEFAULT_BLEND) }, fitted: false, validationUsers: 0, validation: null, trials: [], saved: false, note: 'blend weights not fitted (fit: false)' };
  let warmed: FeedEngine | undefined;
  if (opts.fit !== false) {
    const inner = leaveLastOut(split.train, holdout);
    const users = new Set(shuffled([...inner.test.keys()], seededRandom(seed)).slice(0, opts.maxValidationUsers ?? 2000));
    const { engine, model } = engineOn(vectors, catalogue, source === 'events', inner, opts.engine ?? {});
    if (warm) engine.warmSimilar(catalogue.map((c) => c.id));
    warmed = engine;
    const cases: BlendCase[] = [];
    for (const user of users) {
      model(user);
      const input = engine.blendInput(user, k);
      if (input) cases.push({ input, hidden: inner.test.get(user)! });
    }
    const fit = fitBlend(cases, k, undefined, blend.weights);
    const validation = Number.isFinite(fit.recall) ? { recall: fit.recall, ndcg: fit.ndcg } : null;
    const note = fit.fitted
      ? `blend weights fitted on ${fit.users} validation users (their last ${holdout} training items hidden; test events unseen), ${fit.trials.length} settings: ${describeBlend(fit.weights)}`
      : `blend weights not fitted: ${fit.users} validation users (fewer than needed); defaults ${describeBlend(fit.weights)}`;
    blend = { weights: fit.weights, fitted: fit.fitted, validationUsers: fit.users, validation, trials: fit.trials, saved: false, note };
  }

  const { engine, model } = engineOn(vectors, catalogue, source === 'events', split, { ...opts.engine, blend: blend.weights });
  if (warmed) engine.shareSimilar(warmed);
  if (warm) engine.warmSimilar(catalogue.map((c) => c.id));
  warmed = undefined;
  const methods = scoreFeeds(
    split.test,
    FEED_METHODS,
    (user, method) => {
      model(user);
      return engine.feed(user, k, method).items.map((i) => i.id);
    },
    k,
  );

  if (opts.save && blend.fitted) {
    await saveBlendWeights(db, version, blend.weights, { users: blend.validationUsers, k, recall: blend.validation?.recall ?? null, ndcg: blend.validation?.ndcg ?? null, holdout });
    blend.saved = true;
  }
  const note =
    source === 'events'
      ? `events table: last ${holdout} distinct items per user hidden (at most half of each user's items)`
      : `no events: each group played a user who saved its items in a seeded random order; group links left out of the graph; last ${holdout} items hidden (at most half)`;
  return { version, source, note, items: catalogue.length, events: events.length, users: split.test.size, holdout, k, methods, blend, seconds: (performance.now() - t0) / 1000 };
}
