/**
 * Precomputed "more like this" lists: for every slot of an index, its `width` nearest neighbours
 * (slot numbers and cosine scores, best first), kept in flat typed arrays so 100k items x 32
 * neighbours cost ~26 MB and a lookup is an array slice. Pure data structure: the index fills it.
 */
export class NeighbourLists {
  private slots: Int32Array;
  private scores: Float32Array;
  /** Entries filled per slot; -1 marks a slot whose list is missing or stale. */
  private counts: Int16Array;

  constructor(
    readonly width: number,
    capacity = 0,
  ) {
    if (!Number.isInteger(width) || width < 1 || width > 1024) throw new Error(`neighbour list width must be 1..1024, got ${width}`);
    this.slots = new Int32Array(capacity * width);
    this.scores = new Float32Array(capacity * width);
    this.counts = new Int16Array(capacity).fill(-1);
  }

  get capacity(): number {
    return this.counts.length;
  }

  ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 64);
    const slots = new Int32Array(cap * this.width);
    slots.set(this.slots);
    const scores = new Float32Array(cap * this.width);
    scores.set(this.scores);
    const counts = new Int16Array(cap).fill(-1);
    counts.set(this.counts);
    this.slots = slots;
    this.scores = scores;
    this.counts = counts;
  }

  has(slot: number): boolean {
    return slot < this.capacity && this.counts[slot]! >= 0;
  }

  /** The first `k` entries of a slot's list; undefined when it has no list or `k` exceeds the width. */
  get(slot: number, k: number): { slots: Int32Array; scores: Float32Array } | undefined {
    if (!this.has(slot) || k > this.width) return undefined;
    const n = Math.min(k, this.counts[slot]!);
    const at = slot * this.width;
    return { slots: this.slots.subarray(at, at + n), scores: this.scores.subarray(at, at + n) };
  }

  /** Replaces a slot's list; `neighbours` must be best first and hold at most `width` entries. */
  set(slot: number, neighbours: readonly { slot: number; score: number }[]): void {
    this.ensureCapacity(slot + 1);
    const n = Math.min(neighbours.length, this.width);
    const at = slot * this.width;
    for (let i = 0; i < n; i++) {
      this.slots[at + i] = neighbours[i]!.slot;
      this.scores[at + i] = neighbours[i]!.score;
    }
    this.counts[slot] = n;
  }

  invalidate(slot: number): void {
    if (slot < this.capacity) this.counts[slot] = -1;
  }

  /**
   * Offers `candidate` to `slot`'s list: inserted in score order when the list has room or it beats
   * the worst entry. Lists that are missing are left alone (they are recomputed whole).
   */
  offer(slot: number, candidate: number, score: number): void {
    if (!this.has(slot) || slot === candidate) return;
    const at = slot * this.width;
    let n = this.counts[slot]!;
    for (let i = 0; i < n; i++) if (this.slots[at + i] === candidate) return;
    if (n === this.width) {
      if (score <= this.scores[at + n - 1]!) return;
      n--; // the worst entry falls off
    }
    let i = n;
    while (i > 0 && this.scores[at + i - 1]! < score) {
      this.slots[at + i] = this.slots[at + i - 1]!;
      this.scores[at + i] = this.scores[at + i - 1]!;
      i--;
    }
    this.slots[at + i] = candidate;
    this.scores[at + i] = score;
    this.counts[slot] = n + 1;
  }

  /** Invalidates every list that mentions one of `gone`; returns the slots invalidated. */
  invalidateMentioning(gone: ReadonlySet<number>): number[] {
    const hit: number[] = [];
    if (!gone.size) return hit;
    for (let slot = 0; slot < this.capacity; slot++) {
      const n = this.counts[slot]!;
      const at = slot * this.width;
      for (let i = 0; i < n; i++) {
        if (gone.has(this.slots[at + i]!)) {
          this.counts[slot] = -1;
          hit.push(slot);
          break;
        }
      }
    }
    return hit;
  }

  /** Binary form: a header [width, capacity] then counts, slots and scores. */
  serialize(used: number): Buffer {
    const cap = Math.min(used, this.capacity);
    const header = new Int32Array([this.width, cap]);
    return Buffer.concat([
      Buffer.from(header.buffer),
      Buffer.from(this.counts.buffer, 0, cap * 2),
      Buffer.alloc((4 - ((cap * 2) % 4)) % 4),
      Buffer.from(this.slots.buffer, 0, cap * this.width * 4),
      Buffer.from(this.scores.buffer, 0, cap * this.width * 4),
    ]);
  }

  static deserialize(buf: Buffer): NeighbourLists | undefined {
    if (buf.length < 8) return undefined;
    // A large file read owns its aligned ArrayBuffer: the lists are views of it (no copy at 1M items).
    const own = buf.byteOffset % 4 === 0 ? buf : new Uint8Array(buf);
    const bytes = own.buffer;
    const at = own.byteOffset;
    const [width, cap] = new Int32Array(bytes, at, 2) as unknown as [number, number];
    const countsBytes = cap * 2 + ((4 - ((cap * 2) % 4)) % 4);
    if (width < 1 || width > 1024 || cap < 0 || buf.length !== 8 + countsBytes + cap * width * 8) return undefined;
    const lists = new NeighbourLists(width, 0);
    lists.counts = new Int16Array(bytes, at + 8, cap);
    lists.slots = new Int32Array(bytes, at + 8 + countsBytes, cap * width);
    lists.scores = new Float32Array(bytes, at + 8 + countsBytes + cap * width * 4, cap * width);
    return lists;
  }

  /**
   * The lists a refresh computes next, shared by both engines: every list that mentions a moved or
   * removed slot becomes stale, then up to `limit` stale slots of live items are taken out of `stale`.
   */
  takeStale(stale: Set<number>, moved: Set<number>, labels: readonly string[], limit: number): number[] {
    for (const slot of this.invalidateMentioning(moved)) if (labels[slot]) stale.add(slot);
    moved.clear();
    this.ensureCapacity(labels.length);
    const batch: number[] = [];
    for (const slot of stale) {
      if (batch.length >= limit) break;
      stale.delete(slot);
      if (labels[slot]) batch.push(slot);
    }
    return batch;
  }
}
