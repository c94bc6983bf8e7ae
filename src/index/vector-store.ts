/**
 * The vectors of an index, one row per slot, kept beside an ANN library that has no get-by-key
 * (usearch). Rows are stored as IEEE half floats (2 bytes a value: 512 MB for 1M x 256-d) or as
 * float32, in one flat typed array that is written to and read from disk whole. Pure data.
 */
export type StorePrecision = 'f16' | 'f32';

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 bits -> half bits, round to nearest even (what usearch's f16 does). */
function halfBits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is the right result
  return sign | h;
}

let decodeTable: Float32Array | undefined;
/** All 65,536 half values as float32 (256 KB), so decoding is one lookup per value. */
function halfTable(): Float32Array {
  if (decodeTable) return decodeTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) table[h] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  decodeTable = table;
  return table;
}

/** Rounds one value through half precision (tests and callers comparing with the store). */
export function roundHalf(x: number): number {
  scratch[0] = x;
  return halfTable()[halfBits(scratchBits[0]!)]!;
}

export class VectorStore {
  private rows: Uint16Array | Float32Array;
  private used = 0;

  constructor(
    readonly dims: number,
    readonly precision: StorePrecision,
    capacity = 0,
  ) {
    this.rows = precision === 'f16' ? new Uint16Array(capacity * dims) : new Float32Array(capacity * dims);
  }

  /** Rows written so far (the highest slot + 1). */
  get length(): number {
    return this.used;
  }

  private ensure(rows: number): void {
    if (rows * this.dims <= this.rows.length) return;
    const cap = Math.max(rows, Math.ceil((this.rows.length / this.dims) * 1.5), 1024) * this.dims;
    const next = this.precision === 'f16' ? new Uint16Array(cap) : new Float32Array(cap);
    next.set(this.rows.subarray(0, this.used * this.dims));
    this.rows = next;
  }

  /** Writes `count` rows from `flat` (float32, count x dims) starting at row `slot`. */
  write(slot: number, flat: Float32Array, count = flat.length / this.dims): void {
    this.ensure(slot + count);
    const n = count * this.dims;
    const at = slot * this.dims;
    if (this.rows instanceof Float32Array) this.rows.set(flat.subarray(0, n), at);
    else {
      const bits = new Uint32Array(flat.buffer, flat.byteOffset, n);
      const rows = this.rows;
      for (let i = 0; i < n; i++) rows[at + i] = halfBits(bits[i]!);
    }
    this.used = Math.max(this.used, slot + count);
  }

  /** Row `slot` as float32, written into `out` at `offset` (a fresh array when none is given). */
  read(slot: number, out = new Float32Array(this.dims), offset = 0): Float32Array {
    const at = slot * this.dims;
    if (this.rows instanceof Float32Array) out.set(this.rows.subarray(at, at + this.dims), offset);
    else {
      const table = halfTable();
      const rows = this.rows;
      for (let d = 0; d < this.dims; d++) out[offset + d] = table[rows[at + d]!]!;
    }
    return out;
  }

  /** The used rows as bytes, for one write to disk. */
  bytes(): Uint8Array {
    return new Uint8Array(this.rows.buffer, this.rows.byteOffset, this.used * this.dims * this.rows.BYTES_PER_ELEMENT);
  }

  /** The inverse of `bytes`; undefined when the length does not hold `rows` rows. */
  static fromBytes(buf: Uint8Array, dims: number, precision: StorePrecision, rows: number): VectorStore | undefined {
    const width = precision === 'f16' ? 2 : 4;
    if (buf.byteLength !== rows * dims * width) return undefined;
    const store = new VectorStore(dims, precision, 0);
    // A large file read owns its ArrayBuffer: viewed in place; an unaligned one is copied first.
    let src = buf;
    if (buf.byteOffset % width) src = new Uint8Array(buf);
    const n = rows * dims;
    store.rows = precision === 'f16' ? new Uint16Array(src.buffer, src.byteOffset, n) : new Float32Array(src.buffer, src.byteOffset, n);
    store.used = rows;
    return store;
  }
}
