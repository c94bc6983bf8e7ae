/**
 * Hashed text features: lower-cased word tokens plus character 3-grams of each word (with boundary
 * marks), hashed with a sign bit into a fixed number of buckets and L2-normalised. No vocabulary to
 * store, so any query text maps into the same space as the training text.
 */
import { fnv1a } from './random.js';

export interface TextHashConfig {
  /** Number of hash buckets (the feature dimension). */
  readonly buckets: number;
  /** Weight of the character n-grams relative to whole words (0 disables them). */
  readonly charWeight: number;
  readonly ngram: number;
}

export const DEFAULT_TEXT_HASH: TextHashConfig = { buckets: 2048, charWeight: 0.5, ngram: 3 };

/** Lower-cased word tokens (letters and digits, Unicode-aware). */
export function tokenize(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Sparse hashed features: parallel arrays of bucket indices and values, unit L2 norm (empty for no tokens). */
export interface SparseFeatures {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export function hashTextTokens(tokens: readonly string[], cfg: TextHashConfig): SparseFeatures {
  const acc = new Map<number, number>();
  const add = (key: string, w: number) => {
    const h = fnv1a(key);
    const bucket = h % cfg.buckets;
    const sign = h & 0x80000000 ? -1 : 1;
    acc.set(bucket, (acc.get(bucket) ?? 0) + sign * w);
  };
  for (const tok of tokens) {
    add(`w:${tok}`, 1);
    if (cfg.charWeight > 0) {
      const padded = `<${tok}>`;
      const grams = Math.max(1, padded.length - cfg.ngram + 1);
      for (let i = 0; i + cfg.ngram <= padded.length; i++) add(`c:${padded.slice(i, i + cfg.ngram)}`, cfg.charWeight / Math.sqrt(grams));
    }
  }
  let norm = 0;
  for (const v of acc.values()) norm += v * v;
  norm = Math.sqrt(norm);
  const keys = [...acc.keys()].filter((k) => acc.get(k) !== 0).sort((a, b) => a - b);
  const indices = new Int32Array(keys);
  const values = new Float32Array(keys.map((k) => acc.get(k)! / (norm || 1)));
  return { indices, values };
}

export function hashText(text: string, cfg: TextHashConfig = DEFAULT_TEXT_HASH): SparseFeatures {
  return hashTextTokens(tokenize(text), cfg);
}

/** Writes sparse features densely into `out` at `offset` (zeroing that span first). */
export function densify(f: SparseFeatures, dims: number, out = new Float32Array(dims), offset = 0): Float32Array {
  out.fill(0, offset, offset + dims);
  for (let i = 0; i < f.indices.length; i++) out[offset + f.indices[i]!] = f.values[i]!;
  return out;
}
