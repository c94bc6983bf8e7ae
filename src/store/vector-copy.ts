import { LoupeError } from '../errors.js';

/**
 * PostgreSQL's binary COPY format for rows of text and vector columns: what `COPY ... FROM ...
 * WITH (FORMAT binary)` reads. pgvector's binary form of a vector is int16 dims, int16 unused (0),
 * then the float4 values, all big-endian. Pure: bytes in, bytes out.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export interface CopyVectorRow {
  readonly a: string;
  readonly b: string;
  readonly vec: ArrayLike<number>;
}

export function encodeVectorCopy(rows: readonly CopyVectorRow[]): Uint8Array<ArrayBuffer> {
  return encodeCopyRows(rows.map((r) => ({ texts: [r.a, r.b], vecs: [r.vec] })));
}

/** One row of text columns then vector columns, in the COPY's column order (null: SQL NULL). */
export interface CopyRow {
  readonly texts: readonly (string | null)[];
  readonly vecs: readonly (ArrayLike<number> | null)[];
}

/** Binary COPY data for rows of (text..., vector...); every row has the same shape. */
export function encodeCopyRows(rows: readonly CopyRow[]): Uint8Array<ArrayBuffer> {
  const texts = rows.map((r) => r.texts.map((t) => (t === null ? null : Buffer.from(t, 'utf8'))));
  let size = SIGNATURE.length + 8 + 2;
  rows.forEach((r, i) => {
    size += 2;
    for (const t of texts[i]!) size += 4 + (t?.length ?? 0);
    for (const v of r.vecs) {
      if (v && v.length > 16_000) throw new LoupeError('bad_request', `vector of ${v.length} dims: pgvector stores at most 16,000`);
      size += 4 + (v ? 4 + 4 * v.length : 0);
    }
  });
  const bytes = new ArrayBuffer(size);
  const buf = Buffer.from(bytes);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o); // flags
  o = buf.writeInt32BE(0, o); // header extension length
  rows.forEach((r, i) => {
    o = buf.writeInt16BE(r.texts.length + r.vecs.length, o);
    for (const t of texts[i]!) {
      if (!t) {
        o = buf.writeInt32BE(-1, o);
        continue;
      }
      o = buf.writeInt32BE(t.length, o);
      o += t.copy(buf, o);
    }
    for (const v of r.vecs) {
      if (!v) {
        o = buf.writeInt32BE(-1, o);
        continue;
      }
      const n = v.length;
      o = buf.writeInt32BE(4 + 4 * n, o);
      o = buf.writeInt16BE(n, o);
      o = buf.writeInt16BE(0, o);
      for (let d = 0; d < n; d++) o = buf.writeFloatBE(v[d]!, o);
    }
  });
  o = buf.writeInt16BE(-1, o); // trailer
  return new Uint8Array(bytes, 0, o);
}

/**
 * pgvector's binary form of one vector (what `vector_send(vec)` returns as bytea): int16 dims,
 * int16 unused, then big-endian float4 values. Decoded into `out` at `offset`; returns the dims.
 */
export function decodeVectorSend(bytes: Uint8Array, out: Float32Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getInt16(0);
  if (bytes.byteLength !== 4 + 4 * n || offset + n > out.length) throw new Error(`vector_send value of ${bytes.byteLength} bytes does not hold ${n} dims at ${offset}`);
  for (let d = 0; d < n; d++) out[offset + d] = view.getFloat32(4 + 4 * d);
  return n;
}
