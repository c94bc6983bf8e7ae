/**
 * The I/O side of the taste graph: builds a FeedEngine per embedding version from the database
 * and the serving index, keeps it current as events arrive, and answers feeds with readable
 * explanations. User models are rebuilt from a user's events on first use (the events table is
 * the only persistence), then updated in memory one event at a time. The blend weighs its sources
 * as the last feed evaluation fitted them for the version (defaults when it never ran).
 */
import type { IndexRegistry } from '../index/registry.js';
import { resolveVersion } from '../store/served-version.js';
import type { Db } from '../store/db.js';
import { allEvents, engagementTotals, graphItems, insertEvents, itemTitles, listUsers, userEvents } from '../store/events.js';
import { loadBlendWeights } from '../store/feed-blend.js';
import type { TasteEvent } from '../graph/actions.js';
import { DEFAULT_COLLAB_BLEND } from '../graph/blend.js';
import type { CollabModel } from '../graph/collab/model.js';
import { trainCollabAnywhere, trainCollabOffThread } from '../graph/io/collab-thread.js';
import { refitBlend } from '../graph/io/feed-eval.js';
import { FeedEngine, type EngineOptions } from '../graph/engine.js';
import { indexVectors } from '../graph/io/index-vectors.js';
import { whyText, type FeedMethod, type Why } from '../graph/feed.js';
import type { InterestView } from '../graph/interests.js';

export interface FeedResponse {
  user: string;
  version: string;
  /** `popular` for a user with no events yet (popular and diverse). */
  mode: 'personal' | 'popular';
  items: { id: string; score: number; why: string }[];
}

/** Published on the live bus when events land, so open feeds can refresh (one of app/live.ts's LiveEvents). */
export interface TasteLiveEvent {
  type: 'events';
  users: string[];
  count: number;
}

/**
 * What the service needs of the process's live bus (app/live.ts's LiveBus fits): it publishes the
 * events that land, and drops its engines when items or vectors change.
 */
export interface TasteBus {
  publish(event: TasteLiveEvent): void;
  subscribe(fn: (event: { type: string }) => void): () => void;
}

export interface TasteDeps {
  db: Db;
  indexes: IndexRegistry;
  live?: TasteBus | undefined;
}

/** The collaborative models trained on every stored event (undefined while there are too few). */
export async function trainCollabOnStore(db: Db, offThread = false): Promise<CollabModel | undefined> {
  const events: TasteEvent[] = [];
  for await (const page of allEvents(db)) events.push(...page);
  return offThread ? trainCollabOffThread(events) : trainCollabAnywhere(events);
}

/** Retrain the collaborative models once this many events arrived since (or this share of those trained on). */
const RETRAIN_EVENTS = 1000;
const RETRAIN_SHARE = 0.2;

/** Fills an engine with the catalogue (labels, groups) and every user-item engagement total. */
export async function loadEngine(db: Db, engine: FeedEngine, opts: { groups?: boolean; events?: boolean } = {}): Promise<FeedEngine> {
  for await (const page of graphItems(db)) for (const it of page) engine.addItem(it.id, it.labels, opts.groups === false ? [] : it.groups);
  if (opts.events !== false) for await (const page of engagementTotals(db)) for (const e of page) engine.engage(e.user, e.item, e.weight);
  return engine;
}

export class TasteService {
  private readonly engines = new Map<string, Promise<FeedEngine>>();
  /** Engine builds and event writes run one at a time, so no event falls between a build's read and its first update. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The collaborative models, shared by every version's engine (they read events, not vectors). */
  private collab: Promise<CollabModel | undefined> | undefined;
  private sinceTrained = 0;
  private retraining = false;

  constructor(
    private readonly deps: TasteDeps,
    private readonly options: Partial<EngineOptions> = {},
  ) {
    deps.live?.subscribe((ev) => {
      if (ev.type === 'items' || ev.type === 'vectors') this.invalidate();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops every engine (catalogue or vectors changed); the next feed rebuilds. */
  invalidate(): void {
    this.engines.clear();
  }

  private collabModel(): Promise<CollabModel | undefined> {
    if (!this.collab) {
      this.collab = trainCollabOnStore(this.deps.db);
      this.collab.catch(() => (this.collab = undefined));
    }
    return this.collab;
  }

  /** Retrains the collaborative models in the background once enough new events arrived; engines swap them in when done. */
  private maybeRetrain(added: number): void {
    this.sinceTrained += added;
    void this.collab?.then((model) => {
      const due = this.sinceTrained >= Math.max(RETRAIN_EVENTS, RETRAIN_SHARE * (model?.events ?? 0)) || (!model && this.sinceTrained >= 20);
      if (!due || this.retraining) return;
      this.retraining = true;
      this.sinceTrained = 0;
      // Off the serving thread whatever the size: feeds keep answering meanwhile.
      const next = trainCollabOnStore(this.deps.db, true);
      void next
        .then(async (m) => {
          this.collab = Promise.resolve(m);
          for (const e of this.engines.values()) (await e).collab = m;
          await this.refitBlends();
        })
        .catch(() => undefined)
        .finally(() => (this.retraining = false));
    });
  }

  /**
   * Refits the blend weights of every built engine on all events now stored (after a background
   * retrain: enough new events arrived) and swaps them in. Skipped where the caller fixed the weights.
   */
  private async refitBlends(): Promise<void> {
    if (this.options.blend) return;
    for (const [version, pending] of this.engines) {
      const engine = await pending;
      const refit = await refitBlend(this.deps.db, this.deps.indexes, { version, offThread: true });
      if (refit.blend.saved) engine.options.blend = refit.blend.weights;
      this.refits++;
    }
  }

  /** Blend refits done in the background since start (for tests and the health of a long-running server). */
  refits = 0;

  async engine(version: string): Promise<FeedEngine> {
    let e = this.engines.get(version);
    if (!e) {
      e = this.serial(async () => {
        await this.deps.indexes.get(version);
        // The blend weights `loupe eval` fitted for this version, unless the caller fixed them.
        const stored = this.options.blend ? undefined : await loadBlendWeights(this.deps.db, version);
        const collab = await this.collabModel();
        const fallback = collab ? { blend: DEFAULT_COLLAB_BLEND } : {};
        const options = stored ? { ...this.options, blend: stored.weights } : { ...fallback, ...this.options };
        const engine = await loadEngine(this.deps.db, new FeedEngine(indexVectors(this.deps.indexes, version), options));
        engine.collab = collab;
        return engine;
      });
      this.engines.set(version, e);
      e.catch(() => this.engines.delete(version));
    }
    return e;
  }

  async feed(user: string, k: number, version?: string, method: FeedMethod = 'blend'): Promise<FeedResponse> {
    const name = version ?? this.deps.indexes.defaultVersion ?? (await resolveVersion(this.deps.db, undefined));
    if (version !== undefined) await resolveVersion(this.deps.db, version);
    const engine = await this.engine(name);
    if (!engine.taste(user)) {
      // Queued with writes, so an event landing meanwhile is either read here or folded in after.
      await this.serial(async () => {
        if (engine.taste(user)) return;
        const events = await userEvents(this.deps.db, user);
        if (events.length) engine.buildTaste(user, events);
      });
    }
    const feed = engine.feed(user, k, method);
    const named = feed.items.flatMap((i) => whyItems(i.why));
    const titles = await itemTitles(this.deps.db, named);
    return { user, version: name, mode: feed.mode, items: feed.items.map((i) => ({ id: i.id, score: round(i.score), why: whyText(i.why, (id) => titles.get(id) ?? id) })) };
  }

  /** A user's interest centres in `version` (built from their events on first use); empty for an unknown user. */
  async interests(user: string, version: string): Promise<InterestView[]> {
    const engine = await this.engine(version);
    if (!engine.taste(user)) {
      await this.serial(async () => {
        if (engine.taste(user)) return;
        const events = await userEvents(this.deps.db, user);
        if (events.length) engine.buildTaste(user, events);
      });
    }
    return engine.taste(user)?.interests() ?? [];
  }

  /** Stores events (duplicates skipped) and folds the new ones into every built engine at once. */
  async record(events: readonly TasteEvent[]): Promise<{ recorded: number; duplicates: number }> {
    // Engines queued before this write are built by the time it runs; later ones read it from the table.
    const pending = [...this.engines.values()];
    const added = await this.serial(async () => {
      const built = await Promise.allSettled(pending);
      const engines = built.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const fresh = await insertEvents(this.deps.db, events);
      for (const engine of engines) for (const ev of fresh) engine.record(ev);
      return fresh;
    });
    if (added.length) {
      this.maybeRetrain(added.length);
      const live: TasteLiveEvent = { type: 'events', users: [...new Set(added.map((e) => e.user))].slice(0, 100), count: added.length };
      this.deps.live?.publish(live);
    }
    return { recorded: added.length, duplicates: events.length - added.length };
  }

  users(limit: number): Promise<{ id: string; events: number }[]> {
    return listUsers(this.deps.db, limit);
  }
}

function whyItems(why: Why): string[] {
  if (why.kind === 'interest' || why.kind === 'next') return [why.item];
  if (why.kind === 'walk' && why.reason.item) return [why.reason.item];
  return [];
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

const services = new WeakMap<Db, TasteService>();

/** One TasteService per open database (the server's routes share it). */
export function tasteService(deps: TasteDeps): TasteService {
  let s = services.get(deps.db);
  if (!s) services.set(deps.db, (s = new TasteService(deps)));
  return s;
}
