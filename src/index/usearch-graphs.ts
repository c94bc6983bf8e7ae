import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { BatchMatches, Matches } from 'usearch';
import type { StorePrecision } from './vector-store.js';

// usearch's ES module finds its native build from the caller's stack trace, which never resolves
// in a worker thread started from code (tsx's loader; see threads.ts): the import hangs there. Its
// CommonJS build finds it from __dirname, in every thread, so the index builds off-thread too.
const { Index: UsearchNative, MetricKind, ScalarKind, exactSearch } = createRequire(import.meta.url)('usearch') as typeof import('usearch');
type UsearchNative = InstanceType<typeof UsearchNative>;

export interface UsearchParams {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /** How usearch stores vectors (and how the copy kept for `vector(id)` is stored). */
  quantization: StorePrecision;
  /** Width of the precomputed more-like-this list per item (0: none, every request searches). */
  related: number;
}

/**
 * Threads for bulk adds and batched searches. Every add passes the same count: usearch sizes its
 * per-thread contexts when an add grows the index, and a later call must not use more of them.
 */
export const ANN_THREADS = Math.max(1, Math.min(os.availableParallelism(), os.cpus().length));

/** Up to k nearest keys per query, best first: query q's hits at [q * k, q * k + counts[q]). */
export interface Batch {
  keys: BigUint64Array;
  distances: Float32Array;
  counts: number[];
  k: number;
}

/** What a saved graph pair needs back on load (kept in the index's metadata). */
export interface GraphsMeta {
  /** Slots below this live in the saved base file, the rest in the delta file; null: one file holds all. */
  split: number | null;
  /** Base slots removed or replaced since the base was saved (still in the read-only file). */
  dead: number[];
  /**
   * Size and mtime of the base file these were saved with: another process that saved a whole new
   * base over it since (two processes sharing a data dir on PostgreSQL) makes the pair a rebuild.
   */
  base?: { bytes: number; mtimeMs: number };
}

/**
 * Brute-force search by inner product over packed rows (`dims` floats each), on every core with
 * usearch's SIMD kernels: the `count` best row indices per query, best first, -1 where there are
 * fewer rows. 8x a plain JavaScript loop on one thread at 1,792 dims, 14x on two (4,300 rows x
 * 1,100 queries: 13.7 s in JS, 1.0 s here, the same lists). Evaluation's kNN re-ranks these exactly.
 */
export function exactInnerProduct(rows: Float32Array, queries: Float32Array, dims: number, count: number): Int32Array {
  const nRows = Math.floor(rows.length / dims);
  const nQueries = Math.floor(queries.length / dims);
  const out = new Int32Array(nQueries * count).fill(-1);
  const take = Math.min(count, nRows);
  if (!take || !nQueries) return out;
  const res = batchOf(exactSearch(rows, queries, dims, take, MetricKind.IP, ANN_THREADS), nQueries, take);
  for (let q = 0; q < nQueries; q++) for (let j = 0; j < res.counts[q]!; j++) out[q * count + j] = Number(res.keys[q * take + j]);
  return out;
}

/** Dead base slots searched past before the base is loaded into memory to drop them for good. */
export const DEAD_LIMIT = 256;

const BASE = 'usearch.bin';
const DELTA = 'usearch-delta.bin';

function nativeIndex(dims: number, p: UsearchParams): UsearchNative {
  return new UsearchNative({
    dimensions: dims,
    metric: MetricKind.Cos,
    quantization: p.quantization === 'f16' ? ScalarKind.F16 : ScalarKind.F32,
    connectivity: p.connectivity,
    expansion_add: p.expansionAdd,
    expansion_search: p.expansionSearch,
    multi: false,
  });
}

/** usearch answers one query with `Matches` and several with `BatchMatches`: one shape for both. */
function batchOf(m: Matches | BatchMatches, queries: number, k: number): Batch {
  if (queries === 1) return { keys: m.keys, distances: m.distances, counts: [m.keys.length], k };
  return { keys: m.keys, distances: m.distances, counts: Array.from((m as BatchMatches).counts, Number), k };
}

function searchNative(ann: UsearchNative, queries: Float32Array, dims: number, k: number, threads: number): Batch {
  const n = queries.length / dims;
  // Typed as one query (a flat array reads as a Vector), but a flat array of n rows answers in batch form.
  return batchOf(ann.search(queries, k, n === 1 ? 1 : threads), n, k);
}

/**
 * The HNSW graphs behind a usearch index, keyed by slot. A saved graph opens memory-mapped and
 * read-only (usearch `view`: 0.3 s at 1M x 256-d where `load`, the binding's only other way, holds
 * the thread for 4.1 s), so a serving process promotes or restarts on a large version without a
 * stall. What changes after that lands in a small mutable delta graph: new slots are added there,
 * and a removed or replaced base slot is only marked dead and searched past, until more than
 * DEAD_LIMIT pile up and the base is loaded into memory once to drop them. A graph built here
 * (not opened from a file) takes every change directly, as before.
 */
export class UsearchGraphs {
  private base: UsearchNative;
  private delta: UsearchNative | undefined;
  /** The file the base is memory-mapped from; undefined once it is in memory (writable). */
  private viewed: string | undefined;
  private split = Number.POSITIVE_INFINITY;
  private readonly dead = new Set<number>();
  /** The mapped file no longer matches (replaced by a rebuild): never loaded again. */
  private fileReplaced = false;

  constructor(
    readonly dims: number,
    readonly params: UsearchParams,
  ) {
    this.base = nativeIndex(dims, params);
  }

  /** Vectors searchable (dead base slots not counted). */
  get size(): number {
    return this.base.size() + (this.delta?.size() ?? 0) - this.dead.size;
  }

  /** False for a slot of the read-only base: the caller gives its item a new slot instead. */
  canReplace(slot: number): boolean {
    return !(this.viewed && slot < this.split);
  }

  /**
   * Adds rows under `slots` (each row `dims` values of `rows`); `replaced` lists those already
   * present, which must all be replaceable (see canReplace).
   */
  add(slots: readonly number[], rows: Float32Array, replaced: readonly number[] = []): void {
    if (replaced.some((s) => !this.canReplace(s))) throw new Error('a slot of the read-only base cannot be replaced');
    for (const s of replaced) this.graphOf(s).remove(BigInt(s));
    if (this.viewed) this.delta ??= nativeIndex(this.dims, this.params);
    // Rows go to the graph that holds their slot (both only after a mapped base was loaded).
    const byGraph = new Map<UsearchNative, number[]>();
    slots.forEach((s, i) => {
      const graph = this.graphOf(s);
      const list = byGraph.get(graph);
      if (list) list.push(i);
      else byGraph.set(graph, [i]);
    });
    for (const [graph, rowsOf] of byGraph) {
      const keys = BigUint64Array.from(rowsOf, (i) => BigInt(slots[i]!));
      const picked = rowsOf.length === slots.length ? rows : new Float32Array(rowsOf.length * this.dims);
      if (picked !== rows) rowsOf.forEach((i, j) => picked.set(rows.subarray(i * this.dims, (i + 1) * this.dims), j * this.dims));
      graph.add(keys, picked, ANN_THREADS);
    }
  }

  remove(slot: number): void {
    if (!this.canReplace(slot)) {
      this.dead.add(slot);
      if (this.dead.size > DEAD_LIMIT) this.loadBase();
      return;
    }
    const graph = this.graphOf(slot);
    if (graph.contains(BigInt(slot))) graph.remove(BigInt(slot));
  }

  private graphOf(slot: number): UsearchNative {
    return slot < this.split || !this.delta ? this.base : this.delta;
  }

  /** Reads the mapped base into memory and drops its dead slots (one synchronous load). */
  private loadBase(): void {
    if (!this.viewed || this.fileReplaced) return;
    const inMemory = nativeIndex(this.dims, this.params);
    inMemory.load(this.viewed);
    // The file was replaced under the mapping (a rebuild saved over it): keep searching past the dead.
    if (inMemory.size() !== this.base.size()) {
      this.fileReplaced = true;
      return;
    }
    for (const slot of this.dead) inMemory.remove(BigInt(slot));
    this.dead.clear();
    this.base = inMemory;
    this.viewed = undefined;
  }

  /** Up to k nearest live slots per query (rows of `queries`), from both graphs. */
  search(queries: Float32Array, k: number, threads = 1): Batch {
    const fromBase = searchNative(this.base, queries, this.dims, Math.min(k + this.dead.size, Math.max(1, this.base.size())), threads);
    if (!this.delta?.size() && !this.dead.size) return fromBase;
    const fromDelta = this.delta?.size() ? searchNative(this.delta, queries, this.dims, Math.min(k, this.delta.size()), threads) : undefined;
    const n = fromBase.counts.length;
    const out: Batch = { keys: new BigUint64Array(n * k), distances: new Float32Array(n * k), counts: new Array<number>(n).fill(0), k };
    for (let q = 0; q < n; q++) {
      let i = q * fromBase.k;
      const iEnd = i + fromBase.counts[q]!;
      let j = fromDelta ? q * fromDelta.k : 0;
      const jEnd = fromDelta ? j + fromDelta.counts[q]! : 0;
      let c = 0;
      while (c < k && (i < iEnd || j < jEnd)) {
        const takeBase = j >= jEnd || (i < iEnd && fromBase.distances[i]! <= fromDelta!.distances[j]!);
        const key = takeBase ? fromBase.keys[i]! : fromDelta!.keys[j]!;
        const distance = takeBase ? fromBase.distances[i++]! : fromDelta!.distances[j++]!;
        if (takeBase && this.dead.has(Number(key))) continue;
        out.keys[q * k + c] = key;
        out.distances[q * k + c] = distance;
        c++;
      }
      out.counts[q] = c;
    }
    return out;
  }

  /** Writes the graphs under `dir` through `put` (the index's temp-name-then-rename); returns what `open` needs back. */
  save(dir: string, put: (name: string, write: (file: string) => void) => void): GraphsMeta {
    // A mapped base file is never rewritten; it is copied only when saved somewhere else.
    if (!this.viewed) put(BASE, (f) => this.base.save(f));
    else if (path.resolve(this.viewed) !== path.resolve(dir, BASE)) put(BASE, (f) => fs.copyFileSync(this.viewed!, f));
    if (this.delta?.size()) put(DELTA, (f) => this.delta!.save(f));
    else fs.rmSync(path.join(dir, DELTA), { force: true });
    const stat = fs.statSync(path.join(dir, BASE));
    return { split: this.delta || this.viewed ? this.split : null, dead: [...this.dead], base: { bytes: stat.size, mtimeMs: stat.mtimeMs } };
  }

  /**
   * Opens graphs saved under `dir`, the base memory-mapped; slots from `slots` on (or from the
   * saved split) go to the delta. Undefined when they do not hold `live` vectors.
   */
  static open(dir: string, dims: number, params: UsearchParams, meta: GraphsMeta, slots: number, live: number): UsearchGraphs | undefined {
    const graphs = new UsearchGraphs(dims, params);
    const file = path.join(dir, BASE);
    try {
      const stat = fs.statSync(file);
      if (meta.base && (meta.base.bytes !== stat.size || meta.base.mtimeMs !== stat.mtimeMs)) return undefined;
      graphs.base.view(file);
      graphs.viewed = file;
      graphs.split = meta.split ?? slots;
      for (const slot of meta.dead) graphs.dead.add(slot);
      if (meta.split !== null && fs.existsSync(path.join(dir, DELTA))) {
        graphs.delta = nativeIndex(dims, params);
        graphs.delta.load(path.join(dir, DELTA));
      }
    } catch {
      return undefined;
    }
    return graphs.size === live ? graphs : undefined;
  }
}
