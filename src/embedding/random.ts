/** Seeded pseudo-randomness and string hashing: everything a training run draws comes from here. */

/** 32-bit FNV-1a hash of a string (UTF-16 code units), as an unsigned integer. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded generator (mulberry32): uniform floats, integers, normals, shuffles. */
export class Rng {
  private state: number;
  private spare: number | null = null;
  private stamps = new Uint32Array(0);
  private stamp = 0;

  constructor(seed: number) {
    // Mix the seed so nearby seeds give unrelated streams.
    this.state = fnv1a(`rng:${seed}`) | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = tmp;
    }
    return arr;
  }

  /** Up to `n` distinct elements of `arr`, in random order (arr is not modified). */
  sample<T>(arr: readonly T[], n: number): T[] {
    if (n >= arr.length) return this.shuffle([...arr]);
    // A stamp per index instead of a Set of picked indices: the same draws, and the trainer's
    // hard-negative mining samples 1,024 of the pool for every try.
    if (this.stamps.length < arr.length || this.stamp >= 0xffffffff) {
      this.stamps = new Uint32Array(Math.max(arr.length, this.stamps.length));
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const out: T[] = [];
    while (out.length < n) {
      const j = this.int(arr.length);
      if (this.stamps[j] === stamp) continue;
      this.stamps[j] = stamp;
      out.push(arr[j]!);
    }
    return out;
  }
}

/** A uniform number in [0, 1) determined by (seed, key) alone, independent of any ordering. */
export function hashUniform(seed: number, key: string): number {
  // Two rounds so short keys still spread over the whole range.
  const h = fnv1a(key, fnv1a(`split:${seed}`));
  return fnv1a(String(h), h) / 4294967296;
}
