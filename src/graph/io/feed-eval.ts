import type { IndexRegistry } from '../../index/registry.js';
import { resolveVersion } from '../../store/served-version.js';
import type { Db } from '../../store/db.js';
import { allEvents, graphItems } from '../../store/events.js';
import { saveBlendWeights } from '../../store/feed-blend.js';
import type { TasteEvent } from '../actions.js';
import { DEFAULT_BLEND, DEFAULT_COLLAB_BLEND, describeBlend, fitBlend, type BlendCase, type BlendTrial, type BlendWeights } from '../blend.js';
import { type CollabOptions } from '../collab/model.js';
import { trainCollabAnywhere, trainCollabOffThread } from './collab-thread.js';
import type { LambdaFit } from '../collab/ease-lambda.js';
import { FeedEngine, type EngineOptions, type VectorSource } from '../engine.js';
import { FEED_HOLDOUT, groupsAsUsers, holdoutSplit, scoreFeeds, testSlices, type HoldoutProtocol, type HoldoutSplit, type MethodScore } from '../evaluate.js';
import { FEED_METHODS, type FeedMethod } from '../feed.js';
import { seededRandom, shuffled } from '../vec.js';
import { indexVectors } from './index-vectors.js';

export interface FeedEvalOptions {
  version?: string | undefined;
  /** Items hidden per user (at most half of each user's items). */
  holdout?: number;
  /** Which items are hidden: the last ones (`last-items`, default) or the last positive ones and everything after (`last-positive`). */
  protocol?: HoldoutProtocol;
  k?: number;
  seed?: number;
  engine?: Partial<EngineOptions>;
  collab?: CollabOptions;
  /** Similarity lists are filled for every item up to this catalogue size, so results don't depend on request order. */
  warmLimit?: number;
  /** Fit the blend's weights on a validation split of the training events (default true); false scores the engine's weights. */
  fit?: boolean;
  /** Validation users the fit scores at most (a seeded sample beyond that). */
  maxValidationUsers?: number;
  /** Store the fitted weights for the version, so served feeds use them (default false: reads only). */
  save?: boolean;
  /** Let each group play a user even when events are stored (the groups-as-users protocol). */
  groupsAsUsers?: boolean;
  /** Standard errors a step of the blend fit must gain by (default FIT_MIN_SE). */
  fitMinSe?: number;
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

export interface FeedSliceReport {
  /** Users above / at or below the median count of training events. */
  heavy: Record<FeedMethod, MethodScore>;
  light: Record<FeedMethod, MethodScore>;
  /** Hidden items that had no training event at all: can a feed reach them? `random` is the chance level. */
  cold: Record<FeedMethod, MethodScore> & { random: MethodScore };
}

export interface FeedEvalReport {
  version: string;
  /** `events`: the events table; `groups-as-users`: no events, each group played a user. */
  source: 'events' | 'groups-as-users';
  protocol: HoldoutProtocol;
  note: string;
  items: number;
  events: number;
  users: number;
  holdout: number;
  k: number;
  methods: Record<FeedMethod, MethodScore>;
  slices: FeedSliceReport;
  blend: FeedBlendReport;
  /** Seconds spent training the collaborative models on the test split's training events. */
  trainSeconds: number;
  /** EASE's λ as fitted on those training events (null: no collaborative model or no fit). */
  easeLambda: LambdaFit | null;
  seconds: number;
}

type Catalogue = { id: string; labels: string[]; groups: string[] }[];

/** An engine holding the catalogue, `split.train` and models trained on it (in a worker thread when large); `model(user)` builds a user's model on first use. */
async function engineOn(vectors: VectorSource, catalogue: Catalogue, withGroups: boolean, split: HoldoutSplit, opts: Partial<EngineOptions>, collab: CollabOptions | undefined, offThread = false) {
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
  const t = performance.now();
  engine.collab = offThread ? await trainCollabOffThread(split.train, collab) : await trainCollabAnywhere(split.train, collab);
  const trainSeconds = (performance.now() - t) / 1000;
  const model = (user: string) => {
    if (!engine.taste(user)) engine.buildTaste(user, byUser.get(user) ?? []);
  };
  return { engine, model, trainSeconds };
}

/** Catalogue rows and events (or groups playing users) as the evaluation and the fit read them. */
export async function loadBehaviour(db: Db, seed: number, groups = false): Promise<{ catalogue: Catalogue; events: TasteEvent[]; source: FeedEvalReport['source'] }> {
  const catalogue: Catalogue = [];
  for await (const page of graphItems(db)) catalogue.push(...page);
  const events: TasteEvent[] = [];
  if (!groups) for await (const page of allEvents(db)) events.push(...page);
  if (events.length) return { catalogue, events, source: 'events' };
  return { catalogue, events: groupsAsUsers(catalogue, seed), source: 'groups-as-users' };
}

/** Validation users a blend fit scores at most: more users, less of the fit is noise (each costs one feed's candidates). */
const MAX_VALIDATION_USERS = 1000;

export interface BlendFitOptions {
  holdout: number;
  protocol: HoldoutProtocol;
  k: number;
  seed: number;
  maxValidationUsers: number;
  engine: Partial<EngineOptions>;
  collab?: CollabOptions | undefined;
  warm: boolean;
  /** Train in a worker thread whatever the size (a serving process refitting in the background). */
  offThread?: boolean;
  /** Standard errors a step of the fit must gain by (default FIT_MIN_SE; 0 takes any gain). */
  fitMinSe?: number | undefined;
}

/**
 * Fits blend weights on `train` alone: its own last items are hidden in turn (the same protocol),
 * models are trained on the rest, every validation user's candidate lists are gathered once and
 * weightings are searched on them. The returned engine's similarity lists can be shared.
 */
export async function fitBlendOn(
  vectors: VectorSource,
  catalogue: Catalogue,
  withGroups: boolean,
  train: readonly TasteEvent[],
  o: BlendFitOptions,
): Promise<{ report: FeedBlendReport; engine: FeedEngine }> {
  const inner = holdoutSplit(o.protocol, train, o.holdout);
  const users = new Set(shuffled([...inner.test.keys()], seededRandom(o.seed)).slice(0, o.maxValidationUsers));
  const { engine, model } = await engineOn(vectors, catalogue, withGroups, inner, o.engine, o.collab, o.offThread);
  if (o.warm) engine.warmSimilar(catalogue.map((c) => c.id));
  const cases: BlendCase[] = [];
  for (const user of users) {
    model(user);
    const c = engine.blendCase(user, o.k);
    if (c) cases.push({ ...c, hidden: inner.test.get(user)! });
    // A server refits in the background: let requests in between users.
    if (cases.length % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  const fallback = o.engine.blend ?? (engine.collab ? DEFAULT_COLLAB_BLEND : DEFAULT_BLEND);
  const fit = fitBlend(cases, o.k, fallback, undefined, undefined, o.fitMinSe);
  const validation = Number.isFinite(fit.recall) ? { recall: fit.recall, ndcg: fit.ndcg } : null;
  const note = fit.fitted
    ? `blend weights fitted on ${fit.users} validation users (${o.protocol}: their last ${o.holdout} training items hidden; test events unseen), ${fit.trials.length} settings: ${describeBlend(fit.weights)}`
    : `blend weights not fitted: ${fit.users} validation users (fewer than needed); defaults ${describeBlend(fit.weights)}`;
  return { report: { weights: fit.weights, fitted: fit.fitted, validationUsers: fit.users, validation, trials: fit.trials, saved: false, note }, engine };
}

/**
 * Hold-out evaluation of every feed method on the store's events and one version's vectors,
 * through the same engine that serves feeds, the collaborative anchors (item-kNN, EASE, ALS) and
 * popularity included. The collaborative models are trained on the training events only, and the
 * blend's weights are fitted on a validation split of those alone. Reads only, unless `save`
 * stores the fitted weights.
 */
export async function evaluateFeedsOnStore(db: Db, indexes: IndexRegistry, opts: FeedEvalOptions = {}): Promise<FeedEvalReport> {
  const t0 = performance.now();
  const version = await resolveVersion(db, opts.version);
  await indexes.get(version);
  const holdout = opts.holdout ?? FEED_HOLDOUT;
  const k = opts.k ?? 20;
  const seed = opts.seed ?? 1;
  const protocol = opts.protocol ?? 'last-items';
  const { catalogue, events, source } = await loadBehaviour(db, seed, opts.groupsAsUsers);
  const split = holdoutSplit(protocol, events, holdout);
  const vectors = indexVectors(indexes, version);
  const warm = catalogue.length <= (opts.warmLimit ?? 50_000);
  const withGroups = source === 'events';

  let blend: FeedBlendReport = {
    weights: opts.engine?.blend ?? DEFAULT_BLEND,
    fitted: false,
    validationUsers: 0,
    validation: null,
    trials: [],
    saved: false,
    note: 'blend weights not fitted (fit: false)',
  };
  let warmed: FeedEngine | undefined;
  if (opts.fit !== false) {
    const fitted = await fitBlendOn(vectors, catalogue, withGroups, split.train, {
      holdout,
      protocol,
      k,
      seed,
      maxValidationUsers: opts.maxValidationUsers ?? MAX_VALIDATION_USERS,
      engine: opts.engine ?? {},
      collab: opts.collab,
      warm,
      fitMinSe: opts.fitMinSe,
    });
    [blend, warmed] = [fitted.report, fitted.engine];
  }

  const { engine, model, trainSeconds } = await engineOn(vectors, catalogue, withGroups, split, { ...opts.engine, blend: blend.weights }, opts.collab);
  if (warmed) engine.shareSimilar(warmed);
  if (warm) engine.warmSimilar(catalogue.map((c) => c.id));
  warmed = undefined;
  const feeds = new Map<string, string[]>();
  const recommend = (user: string, method: FeedMethod) => {
    const key = `${method}\u0000${user}`;
    let ids = feeds.get(key);
    if (!ids) {
      model(user);
      feeds.set(key, (ids = engine.feed(user, k, method).items.map((i) => i.id)));
    }
    return ids;
  };
  const methods = scoreFeeds(split.test, FEED_METHODS, recommend, k);
  const parts = testSlices(split);
  const cold = scoreFeeds(parts.cold, FEED_METHODS, recommend, k);
  const slices: FeedSliceReport = {
    heavy: scoreFeeds(parts.heavy, FEED_METHODS, recommend, k),
    light: scoreFeeds(parts.light, FEED_METHODS, recommend, k),
    cold: { ...cold, random: randomRecall(parts.cold, split, catalogue.length, k) },
  };

  if (opts.save && blend.fitted) {
    await saveBlendWeights(db, version, blend.weights, { users: blend.validationUsers, k, recall: blend.validation?.recall ?? null, ndcg: blend.validation?.ndcg ?? null, holdout });
    blend.saved = true;
  }
  const hidden =
    protocol === 'last-positive' ? `last ${holdout} distinct positively engaged items per user (weight >= 1) and every later event hidden` : `last ${holdout} distinct items per user hidden`;
  const note =
    source === 'events'
      ? `events table: ${hidden} (at most half of each user's items)`
      : `no events: each group played a user who saved its items in a seeded random order; group links left out of the graph; ${hidden} (at most half)`;
  return {
    version,
    source,
    protocol,
    note,
    items: catalogue.length,
    events: events.length,
    users: split.test.size,
    holdout,
    k,
    methods,
    slices,
    blend,
    trainSeconds,
    easeLambda: engine.collab?.easeLambda ?? null,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Expected Recall@k of k items drawn at random from what each user has not engaged with. */
function randomRecall(test: ReadonlyMap<string, readonly string[]>, split: HoldoutSplit, items: number, k: number): MethodScore {
  const engaged = new Map<string, Set<string>>();
  for (const ev of split.train) {
    let s = engaged.get(ev.user);
    if (!s) engaged.set(ev.user, (s = new Set()));
    s.add(ev.item);
  }
  let sum = 0;
  for (const [u, hidden] of test) {
    const pool = Math.max(1, items - (engaged.get(u)?.size ?? 0));
    sum += Math.min(1, k / pool) * (hidden.length / Math.min(k, hidden.length));
  }
  const users = test.size;
  return { recall: users ? Math.min(1, sum / users) : NaN, ndcg: NaN, users };
}

export interface BlendRefit {
  version: string;
  events: number;
  blend: FeedBlendReport;
  seconds: number;
}

/**
 * Fits and stores the blend weights for `version` on every stored event (its own last items hidden
 * as validation, `last-positive`: what a feed is for is the next save or purchase). Runs after an
 * events import, so served feeds use weights fitted for this catalogue with no other command.
 */
export async function refitBlend(db: Db, indexes: IndexRegistry, opts: { version?: string | undefined; k?: number; holdout?: number; seed?: number; offThread?: boolean } = {}): Promise<BlendRefit> {
  const t0 = performance.now();
  const version = await resolveVersion(db, opts.version);
  await indexes.get(version);
  const k = opts.k ?? 20;
  const holdout = opts.holdout ?? FEED_HOLDOUT;
  const { catalogue, events, source } = await loadBehaviour(db, opts.seed ?? 1);
  if (source !== 'events') throw new Error('refitBlend needs stored events');
  const vectors = indexVectors(indexes, version);
  const warm = catalogue.length <= 50_000;
  const { report } = await fitBlendOn(vectors, catalogue, true, events, {
    holdout,
    protocol: 'last-positive',
    k,
    seed: opts.seed ?? 1,
    maxValidationUsers: MAX_VALIDATION_USERS,
    engine: {},
    warm,
    offThread: opts.offThread ?? false,
  });
  if (report.fitted) {
    await saveBlendWeights(db, version, report.weights, { users: report.validationUsers, k, recall: report.validation?.recall ?? null, ndcg: report.validation?.ndcg ?? null, holdout });
    report.saved = true;
  }
  return { version, events: events.length, blend: report, seconds: (performance.now() - t0) / 1000 };
}
