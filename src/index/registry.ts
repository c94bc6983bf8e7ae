import path from 'node:path';
import { LoupeError } from '../errors.js';
import type { Db } from '../store/db.js';
import { analyzeEmbeddings, countUpToSeq, hasMoreVectorsThan, getVersion, idsInSeqWindow, tombstonesSince, vectorPageSince, vectorsOf, type VectorPage } from '../store/vectors.js';
import { buildInThread, type ThreadSeconds } from './build-thread.js';
import { HnswIndex } from './hnsw-index.js';
import { UsearchIndex } from './usearch-index.js';
import type { ServingIndex } from './vector-index.js';

/** The ANN library behind serving indexes: usearch (threaded, f16) unless `LOUPE_ANN=hnswlib`. */
export type AnnEngine = 'usearch' | 'hnswlib';

export function annEngine(value = process.env.LOUPE_ANN): AnnEngine {
  if (!value || value === 'usearch') return 'usearch';
  if (value === 'hnswlib') return 'hnswlib';
  throw new LoupeError('usage', `LOUPE_ANN must be 'usearch' or 'hnswlib', got '${value}'`);
}

/**
 * Work between yields to the event loop, so a large build never stalls a serving process for long:
 * lists computed per slice (usearch batches its searches over every core), vectors added per slice.
 */
export const RELATED_SLICE: Record<AnnEngine, number> = { usearch: 2048, hnswlib: 256 };
export const ADD_SLICE = 4096;
/**
 * On PostgreSQL, writers (parallel `loupe worker`s) take seq numbers at insert and commit later,
 * so a row can appear below the seq an index already applied. Each sync re-reads the ids of this
 * many seqs below its mark and adds those it lacks; an older straggler needs `loupe index --rebuild`.
 */
const LATE_COMMIT_WINDOW = 20_000;
/** Vectors per page when an index catches up (binary, see `vectorPageSince`); a build thread takes a page at a time. */
export const PAGE = 20_000;
/**
 * Rows per query within a page, with a turn of the event loop between queries: an embedded
 * database reads on the serving thread, and at 200k-1M rows (a build thread busy on both cores)
 * one 20,000-row query held it for 0.5-1.2 s.
 */
const READ_SLICE = 4_000;

/** Up to `limit` vectors of `version` after `afterSeq`, read in slices of READ_SLICE rows. */
async function readPage(db: Db, version: string, dims: number, afterSeq: number, limit: number): Promise<VectorPage> {
  const parts: VectorPage[] = [];
  let got = 0;
  for (let after = afterSeq; got < limit;) {
    const want = Math.min(READ_SLICE, limit - got);
    const part = await vectorPageSince(db, version, dims, after, want);
    parts.push(part);
    got += part.ids.length;
    if (part.ids.length < want) break;
    after = part.seqs.at(-1)!;
    // Two turns: a query answered late in one turn of the loop would start the next query in that
    // turn's check phase, and two slices would run back to back (measured: stalls of 2 slices).
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  }
  if (parts.length === 1) return parts[0]!;
  const flat = new Float32Array(got * dims);
  let at = 0;
  for (const p of parts) {
    flat.set(p.flat, at);
    at += p.flat.length;
  }
  return { ids: parts.flatMap((p) => p.ids), seqs: parts.flatMap((p) => p.seqs), flat };
}

export interface SyncReport {
  version: string;
  added: number;
  removed: number;
  size: number;
  rebuilt: boolean;
  /** The new index was built in a worker thread (see buildInThread). */
  inThread: boolean;
  /** For a thread build: where its time went. */
  threadSeconds?: ThreadSeconds;
}

/**
 * Serving indexes, one per embedding version, derived from the database (the source of truth)
 * and persisted under `<data>/index/<version>/`. `sync` catches an index up with the rows written
 * since it was saved, so a restart or a crash costs at most the replay of the tail.
 */
export class IndexRegistry {
  private readonly indexes = new Map<string, ServingIndex>();
  private readonly syncing = new Map<string, Promise<SyncReport>>();
  /** The version a long-running server serves when a request names none (kept current on promote). */
  defaultVersion: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly indexDir: string,
    readonly engine: AnnEngine = annEngine(),
  ) {}

  /** The index for `version`, synced with the database. */
  async get(version: string): Promise<ServingIndex> {
    if (!this.indexes.has(version)) await this.sync(version);
    const index = this.indexes.get(version);
    if (!index) throw new LoupeError('not_found', `no index for version '${version}'`);
    return index;
  }

  /** The index if already loaded; never touches the database (the hot path of more-like-this). */
  loaded(version: string): ServingIndex | undefined {
    return this.indexes.get(version);
  }

  sync(version: string): Promise<SyncReport> {
    let running = this.syncing.get(version);
    if (!running) {
      running = this.doSync(version).finally(() => this.syncing.delete(version));
      this.syncing.set(version, running);
    }
    return running;
  }

  private async doSync(version: string): Promise<SyncReport> {
    const row = await getVersion(this.db, version);
    if (!row) throw new LoupeError('not_found', `unknown version '${version}' (see \`loupe versions\`)`);
    const dir = path.join(this.indexDir, encodeURIComponent(version));
    let index = this.indexes.get(version);
    let rebuilt = false;
    if (!index) {
      // An index saved by the other engine (or an older format) does not load: it is rebuilt from the database.
      index = this.engine === 'usearch' ? await UsearchIndex.load(dir, row.dims) : HnswIndex.load(dir, row.dims);
      if (!index) {
        index = this.engine === 'usearch' ? new UsearchIndex(row.dims) : new HnswIndex(row.dims);
        rebuilt = true;
      }
    }
    let removed = 0;
    let added = 0;
    const tombs = await tombstonesSince(this.db, version, index.state.tombstone ?? 0);
    for (const t of tombs) {
      index.remove(t.itemId);
      removed++;
      index.state.tombstone = t.seq;
    }
    const mark = index.state.seq ?? 0;
    // A cheap count first: only an index holding fewer vectors than the rows below its mark looks for stragglers.
    if (this.db.kind === 'postgres' && mark > 0 && (await countUpToSeq(this.db, version, mark)) > index.size) {
      const held = index;
      const late = (await idsInSeqWindow(this.db, version, Math.max(0, mark - LATE_COMMIT_WINDOW), mark)).filter((id) => !held.has(id));
      for (const r of late.length ? await vectorsOf(this.db, version, late) : []) {
        index.upsert(r.itemId, r.vec);
        added++;
      }
    }
    // A backlog of more than one page is a bulk read: the planner's statistics are refreshed once
    // (see analyzeEmbeddings), or every page costs O(rows left). A new index checks first, since
    // its first page alone, planned without statistics, sorted all 1M rows: a 12 s stall of the
    // serving thread; an existing index refreshes them after its first full page.
    let analyzed = false;
    if (rebuilt && (await hasMoreVectorsThan(this.db, version, PAGE))) {
      analyzed = true;
      await analyzeEmbeddings(this.db);
    }
    const read = async (after: number) => {
      const page = await readPage(this.db, version, row.dims, after, PAGE);
      if (page.ids.length >= PAGE && !analyzed) {
        analyzed = true;
        await analyzeEmbeddings(this.db);
      }
      return page;
    };
    // A new index of a large version is built in a worker thread (the loop below adds what came after).
    let savedByThread = false;
    let inThread = false;
    let threadSeconds: ThreadSeconds | undefined;
    if (rebuilt && index instanceof UsearchIndex) {
      const state = index.state;
      const first = await read(0);
      const built = first.ids.length >= PAGE ? await buildInThread(first, read, PAGE, row.dims, dir, state) : undefined;
      if (built) [index, added, savedByThread, inThread, threadSeconds] = [built.index, built.added, true, true, built.seconds];
    }
    // Then everything past the mark, in seq order.
    for (;;) {
      const page = await read(index.state.seq ?? 0);
      if (page.ids.length) savedByThread = false;
      for (let at = 0; at < page.ids.length; at += ADD_SLICE) {
        const end = Math.min(at + ADD_SLICE, page.ids.length);
        index.upsertMany(page.ids.slice(at, end), page.flat.subarray(at * row.dims, end * row.dims));
        index.state.seq = page.seqs[end - 1]!;
        if (end < page.ids.length) await new Promise((resolve) => setImmediate(resolve));
      }
      added += page.ids.length;
      if (page.ids.length < PAGE) break;
    }
    // Precomputed more-like-this lists, in slices so a large build never stalls a serving process.
    let related = 0;
    while (index.staleRelated) {
      related += index.refreshRelated(RELATED_SLICE[this.engine]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!savedByThread && (added || removed || rebuilt || related)) index.save(dir);
    this.indexes.set(version, index);
    return { version, added, removed, size: index.size, rebuilt, inThread, ...(threadSeconds ? { threadSeconds } : {}) };
  }

  /** Drops the saved index of `version` and builds it again from the database. */
  async rebuild(version: string): Promise<SyncReport> {
    const { rmSync } = await import('node:fs');
    this.indexes.delete(version);
    rmSync(path.join(this.indexDir, encodeURIComponent(version)), { recursive: true, force: true });
    return this.sync(version);
  }
}
