import fs from 'node:fs';
import path from 'node:path';
import { LoupeError } from '../errors.js';
import { NeighbourLists } from './neighbour-lists.js';
import { ANN_THREADS, UsearchGraphs, type GraphsMeta, type UsearchParams } from './usearch-graphs.js';
import type { Neighbour, ServingIndex } from './vector-index.js';
import { VectorStore } from './vector-store.js';

export { ANN_THREADS, type UsearchParams };

/** M16, expansion 96 / 64, f16: recall@10 of the served lists 0.996 vs exact at 1M clustered 256-d (BENCHMARKS #20, 2026-12-07). */
export const DEFAULT_USEARCH: UsearchParams = Object.freeze({ connectivity: 16, expansionAdd: 96, expansionSearch: 64, quantization: 'f16', related: 32 });

/** Queries per native batch search when lists are computed (bounds the result arrays). */
const SEARCH_CHUNK = 8192;

interface Meta {
  format: 2;
  engine: 'usearch';
  dims: number;
  params: UsearchParams;
  /** labels[i] is the item id of usearch key i ('' when the slot was removed). */
  labels: string[];
  deleted: number;
  state: Record<string, number>;
  /** Where the graphs split between the saved base and the delta (absent: one graph, as before). */
  graphs?: GraphsMeta;
}

function unitRows(flat: Float32Array, dims: number): Float32Array {
  const out = new Float32Array(flat.length);
  for (let at = 0; at < flat.length; at += dims) {
    let n = 0;
    for (let d = 0; d < dims; d++) n += flat[at + d]! * flat[at + d]!;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = 0; d < dims; d++) out[at + d] = flat[at + d]! * inv;
  }
  return out;
}

/**
 * In-process HNSW on usearch (cosine, f16 by default): bulk adds and neighbour lists run on every
 * core. Keys are dense slot numbers mapped to item ids; usearch has no get-by-key, so the
 * (unit-length) vectors are kept beside it in a `VectorStore`.
 */
export class UsearchIndex implements ServingIndex {
  private graphs: UsearchGraphs;
  private labels: string[] = [];
  private readonly labelOf = new Map<string, number>();
  private deleted = 0;
  private store: VectorStore;
  private lists: NeighbourLists | undefined;
  private readonly staleLists = new Set<number>();
  private readonly movedSlots = new Set<number>();
  state: Record<string, number> = {};

  constructor(
    readonly dims: number,
    readonly params: UsearchParams = DEFAULT_USEARCH,
  ) {
    this.graphs = new UsearchGraphs(dims, params);
    this.store = new VectorStore(dims, params.quantization);
    this.lists = params.related > 0 ? new NeighbourLists(params.related) : undefined;
  }

  get size(): number {
    return this.labels.length - this.deleted;
  }

  has(id: string): boolean {
    return this.labelOf.has(id);
  }

  vector(id: string): Float32Array | undefined {
    const slot = this.labelOf.get(id);
    return slot === undefined ? undefined : this.store.read(slot);
  }

  upsert(id: string, vec: ArrayLike<number>): void {
    this.upsertMany([id], Float32Array.from(vec));
  }

  /** Adds or replaces many vectors at once (`flat` is ids.length x dims), the add spread over every core. */
  upsertMany(ids: readonly string[], flat: Float32Array): void {
    if (flat.length !== ids.length * this.dims) {
      throw new LoupeError('bad_request', `${ids.length} vectors of ${this.dims} dims need ${ids.length * this.dims} values, got ${flat.length}`);
    }
    if (!ids.length) return;
    const unit = unitRows(flat, this.dims);
    // The last vector of an id repeated within the batch wins (usearch refuses duplicate keys in one add).
    const lastAt = new Map<string, number>();
    ids.forEach((id, i) => lastAt.set(id, i));
    const replaced: number[] = [];
    const slots: number[] = [];
    const rows = lastAt.size === ids.length ? unit : new Float32Array(lastAt.size * this.dims);
    let j = 0;
    for (const [id, i] of lastAt) {
      let slot = this.labelOf.get(id);
      // A slot of a read-only (memory-mapped) graph is retired and its item moves to a new slot.
      if (slot !== undefined && !this.graphs.canReplace(slot)) {
        this.remove(id);
        slot = undefined;
      }
      if (slot === undefined) {
        slot = this.labels.length;
        this.labels.push(id);
        this.labelOf.set(id, slot);
      } else {
        replaced.push(slot);
        this.movedSlots.add(slot);
      }
      this.staleLists.add(slot);
      slots.push(slot);
      if (rows !== unit) rows.set(unit.subarray(i * this.dims, (i + 1) * this.dims), j * this.dims);
      this.store.write(slot, rows.subarray(j * this.dims, (j + 1) * this.dims), 1);
      j++;
    }
    this.graphs.add(slots, rows, replaced);
  }

  remove(id: string): void {
    const slot = this.labelOf.get(id);
    if (slot === undefined) return;
    this.graphs.remove(slot);
    this.labelOf.delete(id);
    this.labels[slot] = '';
    this.deleted++;
    this.movedSlots.add(slot);
    this.staleLists.delete(slot);
    this.lists?.invalidate(slot);
  }

  search(vec: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): Neighbour[] {
    if (vec.length !== this.dims) throw new LoupeError('bad_request', `query has ${vec.length} dims, index has ${this.dims}`);
    const want = Math.min(k + (exclude?.size ?? 0), this.size);
    if (want <= 0 || k <= 0) return [];
    const { keys, distances, counts } = this.graphs.search(unitRows(Float32Array.from(vec), this.dims), want);
    const out: Neighbour[] = [];
    for (let i = 0; i < counts[0]! && out.length < k; i++) {
      const id = this.labels[Number(keys[i])];
      if (!id || exclude?.has(id)) continue;
      out.push({ id, score: 1 - distances[i]! });
    }
    return out;
  }

  /** Lists waiting for `refreshRelated`. */
  get staleRelated(): number {
    return this.lists ? this.staleLists.size + this.movedSlots.size : 0;
  }

  /**
   * Brings the precomputed more-like-this lists up to date (see HnswIndex.refreshRelated), with the
   * searches for up to `limit` stale lists batched into native calls that use every core.
   */
  refreshRelated(limit = Number.POSITIVE_INFINITY): number {
    const lists = this.lists;
    if (!lists) return 0;
    const batch = lists.takeStale(this.staleLists, this.movedSlots, this.labels, limit);
    const width = lists.width;
    const want = Math.min(width + 1, this.size);
    if (want <= 0) return batch.length;
    for (let from = 0; from < batch.length; from += SEARCH_CHUNK) {
      const slots = batch.slice(from, from + SEARCH_CHUNK);
      const queries = new Float32Array(slots.length * this.dims);
      slots.forEach((slot, i) => this.store.read(slot, queries, i * this.dims));
      const { keys, distances, counts, k } = this.graphs.search(queries, want, ANN_THREADS);
      const made: { slot: number; list: { slot: number; score: number }[] }[] = [];
      slots.forEach((slot, q) => {
        const list: { slot: number; score: number }[] = [];
        for (let i = q * k; i < q * k + counts[q]! && list.length < width; i++) {
          const other = Number(keys[i]);
          if (other !== slot) list.push({ slot: other, score: 1 - distances[i]! });
        }
        lists.set(slot, list);
        made.push({ slot, list });
      });
      // Cosine is symmetric: each new list is offered to its neighbours' lists.
      for (const { slot, list } of made) for (const n of list) lists.offer(n.slot, slot, n.score);
    }
    return batch.length;
  }

  /** More like this from the precomputed list: undefined when there is none or `k` exceeds its width. */
  related(id: string, k: number): Neighbour[] | undefined {
    const slot = this.labelOf.get(id);
    if (slot === undefined || this.staleLists.has(slot)) return undefined;
    const hit = this.lists?.get(slot, k);
    if (!hit) return undefined;
    const out: Neighbour[] = new Array(hit.slots.length);
    for (let i = 0; i < hit.slots.length; i++) {
      const other = this.labels[hit.slots[i]!];
      if (!other) return undefined; // removed since the list was made: search instead
      out[i] = { id: other, score: hit.scores[i]! };
    }
    return out;
  }

  /** Writes the index, vectors, lists and metadata; the metadata is renamed last and checked on load. */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    // Temp names carry the pid: a CLI and a server sharing a data dir on PostgreSQL may both save.
    const tmp = `.${process.pid}.tmp`;
    const put = (name: string, write: (file: string) => void) => {
      write(path.join(dir, `${name}${tmp}`));
      fs.renameSync(path.join(dir, `${name}${tmp}`), path.join(dir, name));
    };
    const graphs = this.graphs.save(dir, put);
    put('vectors.bin', (f) => fs.writeFileSync(f, this.store.bytes()));
    if (this.lists && !this.staleRelated) put('related.bin', (f) => fs.writeFileSync(f, this.lists!.serialize(this.labels.length)));
    else fs.rmSync(path.join(dir, 'related.bin'), { force: true });
    const meta: Meta = { format: 2, engine: 'usearch', dims: this.dims, params: this.params, labels: this.labels, deleted: this.deleted, state: this.state, graphs };
    put('meta.json', (f) => fs.writeFileSync(f, JSON.stringify(meta)));
    fs.rmSync(path.join(dir, 'hnsw.bin'), { force: true }); // an hnswlib index this one replaced
  }

  /**
   * Loads a saved index; undefined when missing, from another engine or format, or inconsistent
   * (caller rebuilds). Asynchronous so that a serving process promoting a version built in a thread
   * keeps answering: the files are read off the event loop and the id map is filled in slices (at
   * 1M items the one-piece load held the serving thread for 12 s), and the graph opens memory-mapped
   * (see UsearchGraphs).
   */
  static async load(dir: string, dims: number): Promise<UsearchIndex | undefined> {
    let meta: Meta;
    try {
      meta = JSON.parse(await fs.promises.readFile(path.join(dir, 'meta.json'), 'utf8')) as Meta;
    } catch {
      return undefined;
    }
    if (meta.format !== 2 || meta.engine !== 'usearch' || meta.dims !== dims) return undefined;
    const index = new UsearchIndex(dims, { ...DEFAULT_USEARCH, ...meta.params });
    let store: VectorStore | undefined;
    try {
      store = VectorStore.fromBytes(await fs.promises.readFile(path.join(dir, 'vectors.bin')), dims, index.params.quantization, meta.labels.length);
    } catch {
      return undefined;
    }
    await yieldToEvents();
    const graphs = UsearchGraphs.open(dir, dims, index.params, meta.graphs ?? { split: null, dead: [] }, meta.labels.length, meta.labels.length - meta.deleted);
    if (!store || !graphs) return undefined;
    index.graphs = graphs;
    index.store = store;
    index.labels = meta.labels;
    await inSlices(meta.labels.length, (slot) => {
      const id = meta.labels[slot]!;
      if (id) index.labelOf.set(id, slot);
    });
    index.deleted = meta.deleted;
    index.state = meta.state;
    await index.loadRelated(dir);
    return index;
  }

  /** Takes the saved lists when they match this index; otherwise every live item's list is stale. */
  private async loadRelated(dir: string): Promise<void> {
    if (!this.lists) return;
    let saved: NeighbourLists | undefined;
    try {
      saved = NeighbourLists.deserialize(await fs.promises.readFile(path.join(dir, 'related.bin')));
    } catch {
      saved = undefined;
    }
    const fits = saved && saved.width === this.lists.width && saved.capacity === this.labels.length;
    if (fits) this.lists = saved;
    await inSlices(this.labels.length, (slot) => {
      if (this.labels[slot] && !(fits && saved!.has(slot))) this.staleLists.add(slot);
    });
  }
}

/** Slots handled between two turns of the event loop while loading (~10 ms of work). */
const LOAD_SLICE = 50_000;

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `fn(0..n-1)`, giving the event loop a turn every LOAD_SLICE calls. */
async function inSlices(n: number, fn: (i: number) => void): Promise<void> {
  for (let at = 0; at < n; at += LOAD_SLICE) {
    const end = Math.min(n, at + LOAD_SLICE);
    for (let i = at; i < end; i++) fn(i);
    if (end < n) await yieldToEvents();
  }
}
