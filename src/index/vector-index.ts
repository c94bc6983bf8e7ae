export interface Neighbour {
  id: string;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
}

/** The serving-index door: an approximate nearest-neighbour index of one embedding version. */
export interface VectorIndex {
  readonly dims: number;
  readonly size: number;
  has(id: string): boolean;
  /** The stored vector of `id`: how more-like-this avoids touching pixels or the database. */
  vector(id: string): Float32Array | undefined;
  upsert(id: string, vec: ArrayLike<number>): void;
  remove(id: string): void;
  search(vec: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): Neighbour[];
}
