import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { Neighbour, VectorIndex } from './vector-index.js';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

export const DEFAULT_HNSW: HnswParams = Object.freeze({ m: 16, efConstruction: 200, efSearch: 128 });

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
export class HnswIndex implements VectorIndex {
  private readonly hnsw: hnswlib.HierarchicalNSW;
  private readonly labels: string[] = [];
  private readonly labelOf = new Map<string, number>();
  private deleted = 0;
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
      return;
    }
    const label = this.labels.length;
    if (label >= this.hnsw.getMaxElements()) this.hnsw.resizeIndex(Math.max(INITIAL_CAPACITY, label * 2));
    this.hnsw.addPoint(point, label);
    this.labels.push(id);
    this.labelOf.set(id, label);
  }

  remove(id: string): void {
    const label = this.labelOf.get(id);
    if (label === undefined) return;
    this.hnsw.markDelete(label);
    this.labelOf.delete(id);
    this.labels[label] = '';
    this.deleted++;
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

  /** Writes index + metadata atomically enough: the metadata is renamed last and checked on load. */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const bin = path.join(dir, 'hnsw.bin');
    this.hnsw.writeIndexSync(`${bin}.tmp`);
    fs.renameSync(`${bin}.tmp`, bin);
    const meta: Meta = { format: 1, dims: this.dims, params: this.params, labels: this.labels, deleted: this.deleted, state: this.state };
    fs.writeFileSync(path.join(dir, 'meta.json.tmp'), JSON.stringify(meta));
    fs.renameSync(path.join(dir, 'meta.json.tmp'), path.join(dir, 'meta.json'));
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
    const index = new HnswIndex(dims, meta.params, 1);
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
    return index;
  }
}
