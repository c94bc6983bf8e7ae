import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { NeighbourLists } from './neighbour-lists.js';
import type { Neighbour, ServingIndex } from './vector-index.js';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
  /** Width of the precomputed more-like-this list per item (0: none, every request searches). */
  related: number;
}

export const DEFAULT_HNSW: HnswParams = Object.freeze({ m: 16, efConstruction: 200, efSearch: 128, related: 32 });

interface Meta {
  format: 1;
  dims: number;
  params: HnswParams;
  /** labels[i] is the item id of hnsw label i ('' when the slot was removed). */
  labels: string[];
  deleted: number;
  state: Record<string, number>;
}

const INITIAL_CAPACITY = 1024;

/** In-process HNSW (hnswlib-node, cosine space). Labels are dense ints mapped to item ids. */
export class HnswIndex implements ServingIndex {
  private readonly hnsw: hnswlib.HierarchicalNSW;
  private readonly labels: string[] = [];
  private readonly labelOf = new Map<string, number>();
  private deleted = 0;
  private lists: NeighbourLists | undefined;
  /** Slots whose list must be computed again, and slots whose vector changed or went away. */
  private readonly staleLists = new Set<number>();
  private readonly movedSlots = new Set<number>();
  /** Free-form sync state persisted with the index (e.g. last embedding seq applied). */
  state: Record<string, number> = {};

  constructor(
    readonly dims: number,
    readonly params: HnswParams = DEFAULT_HNSW,
    capacity = INITIAL_CAPACITY,
  ) {
    this.hnsw = new hnswlib.HierarchicalNSW('cosine', dims);
    this.hnsw.initIndex({ maxElements: capacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: false });
    this.hnsw.setEf(params.efSearch);
    this.lists = params.related > 0 ? new NeighbourLists(params.related) : undefined;
  }

  get size(): number {
    return this.labels.length - this.deleted;
  }

  has(id: string): boolean {
    return this.labelOf.has(id);
  }

  vector(id: string): Float32Array | undefined {
    const label = this.labelOf.get(id);
    return label === undefined ? undefined : Float32Array.from(this.hnsw.getPoint(label));
  }

  upsert(id: string, vec: ArrayLike<number>): void {
    if (vec.length !== this.dims) throw new Error(`vector for '${id}' has ${vec.length} dims, index has ${this.dims}`);
    const point = Array.from(vec);
    const existing = this.labelOf.get(id);
    if (existing !== undefined) {
      this.hnsw.addPoint(point, existing); // hnswlib updates a live label in place
      this.movedSlots.add(existing);
      this.staleLists.add(existing);
      return;
    }
    const label = this.labels.length;
    if (label >= this.hnsw.getMaxElements()) this.hnsw.resizeIndex(Math.max(INITIAL_CAPACITY, label * 2));
    this.hnsw.addPoint(point, label);
    this.labels.push(id);
    this.labelOf.set(id, label);
    this.staleLists.add(label);
  }

  upsertMany(ids: readonly string[], flat: Float32Array): void {
    ids.forEach((id, i) => this.upsert(id, flat.subarray(i * this.dims, (i + 1) * this.dims)));
  }

  remove(id: string): void {
    const label = this.labelOf.get(id);
    if (label === undefined) return;
    this.hnsw.markDelete(label);
    this.labelOf.delete(id);
    this.labels[label] = '';
    this.deleted++;
    this.movedSlots.add(label);
    this.staleLists.delete(label);
    this.lists?.invalidate(label);
  }

  /** Lists waiting for `refreshRelated`. */
  get staleRelated(): number {
    return this.lists ? this.staleLists.size + this.movedSlots.size : 0;
  }

  /**
   * Brings the precomputed more-like-this lists up to date after writes: lists that mention a moved
   * or removed item are recomputed, new items get a list, and each new item is offered to its
   * neighbours' lists (cosine is symmetric), so a lookup matches a fresh search without
   * searching again for every item. Returns how many lists were computed.
   */
  refreshRelated(limit = Number.POSITIVE_INFINITY): number {
    const lists = this.lists;
    if (!lists) return 0;
    const batch = lists.takeStale(this.staleLists, this.movedSlots, this.labels, limit);
    const width = lists.width;
    for (const slot of batch) {
      const want = Math.min(width + 1, this.size);
      const { neighbors, distances } = this.hnsw.searchKnn(this.hnsw.getPoint(slot), want);
      const list: { slot: number; score: number }[] = [];
      for (let i = 0; i < neighbors.length && list.length < width; i++) {
        if (neighbors[i] === slot) continue;
        list.push({ slot: neighbors[i]!, score: 1 - distances[i]! });
      }
      lists.set(slot, list);
      for (const n of list) lists.offer(n.slot, slot, n.score);
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

  search(vec: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): Neighbour[] {
    const want = Math.min(k + (exclude?.size ?? 0), this.size);
    if (want <= 0) return [];
    // ef must cover the request; a large one is raised for this search only, so it never slows the next.
    const widened = want > this.params.efSearch;
    if (widened) this.hnsw.setEf(want);
    const { neighbors, distances } = this.hnsw.searchKnn(Array.from(vec), want);
    if (widened) this.hnsw.setEf(this.params.efSearch);
    const out: Neighbour[] = [];
    for (let i = 0; i < neighbors.length && out.length < k; i++) {
      const id = this.labels[neighbors[i]!]!;
      if (!id || exclude?.has(id)) continue;
      out.push({ id, score: 1 - distances[i]! });
    }
    return out;
  }

  /** Takes the saved lists when they match this index; otherwise every live item's list is stale. */
  private loadRelated(dir: string): void {
    if (!this.lists) return;
    let saved: NeighbourLists | undefined;
    try {
      saved = NeighbourLists.deserialize(fs.readFileSync(path.join(dir, 'related.bin')));
    } catch {
      saved = undefined;
    }
    const fits = saved && saved.width === this.lists.width && saved.capacity === this.labels.length;
    if (fits) this.lists = saved;
    this.labels.forEach((id, slot) => {
      if (id && !(fits && saved!.has(slot))) this.staleLists.add(slot);
    });
  }

  /** Writes index + metadata atomically enough: the metadata is renamed last and checked on load. */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const bin = path.join(dir, 'hnsw.bin');
    // Temp names carry the pid: a CLI and a server sharing a data dir on PostgreSQL may both save.
    const tmp = `.${process.pid}.tmp`;
    this.hnsw.writeIndexSync(`${bin}${tmp}`);
    fs.renameSync(`${bin}${tmp}`, bin);
    if (this.lists && !this.staleRelated) {
      fs.writeFileSync(path.join(dir, `related.bin${tmp}`), this.lists.serialize(this.labels.length));
      fs.renameSync(path.join(dir, `related.bin${tmp}`), path.join(dir, 'related.bin'));
    } else {
      fs.rmSync(path.join(dir, 'related.bin'), { force: true });
    }
    const meta: Meta = { format: 1, dims: this.dims, params: this.params, labels: this.labels, deleted: this.deleted, state: this.state };
    fs.writeFileSync(path.join(dir, `meta.json${tmp}`), JSON.stringify(meta));
    fs.renameSync(path.join(dir, `meta.json${tmp}`), path.join(dir, 'meta.json'));
    for (const other of ['usearch.bin', 'usearch-delta.bin', 'vectors.bin']) fs.rmSync(path.join(dir, other), { force: true }); // a usearch index this one replaced
  }

  /** Loads a saved index; undefined when missing, from another format, or inconsistent (caller rebuilds). */
  static load(dir: string, dims: number): HnswIndex | undefined {
    let meta: Meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Meta;
    } catch {
      return undefined;
    }
    if (meta.format !== 1 || meta.dims !== dims) return undefined;
    const index = new HnswIndex(dims, { ...DEFAULT_HNSW, ...meta.params }, 1);
    try {
      index.hnsw.readIndexSync(path.join(dir, 'hnsw.bin'));
    } catch {
      return undefined;
    }
    if (index.hnsw.getCurrentCount() !== meta.labels.length) return undefined;
    index.hnsw.setEf(meta.params.efSearch);
    meta.labels.forEach((id, label) => {
      index.labels.push(id);
      if (id) index.labelOf.set(id, label);
    });
    index.deleted = meta.deleted;
    index.state = meta.state;
    index.loadRelated(dir);
    return index;
  }
}
