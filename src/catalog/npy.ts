import type { FileHandle } from 'node:fs/promises';
import { LoupeError } from '../errors.js';

/**
 * NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), read
 * here rather than with a package: the one on npm (npyjs) takes the whole file as one ArrayBuffer,
 * and an import of millions of rows must read it a slice of rows at a time.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM_SIZE = { '<f4': 4, '<f8': 8, '<f2': 2 } as const;
type Dtype = keyof typeof ITEM_SIZE;

export interface NpyHeader {
  dtype: Dtype;
  rows: number;
  dims: number;
  /** Where the row-major data starts. */
  dataOffset: number;
}

function npyError(file: string, why: string): LoupeError {
  return new LoupeError('bad_request', `${file}: ${why}`);
}

/** Parses the header at the start of `head` (its first 10 bytes say how long it is; pass at least that much). */
export function parseNpyHeader(head: Uint8Array, file = 'npy file'): NpyHeader | { need: number } {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b)) throw npyError(file, 'not a .npy file (no \\x93NUMPY magic)');
  const major = head[6]!;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) throw npyError(file, `.npy format version ${major} is not supported (1, 2 and 3 are)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (head.length < 8 + lenBytes) return { need: 8 + lenBytes };
  const len = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + len;
  if (head.length < dataOffset) return { need: dataOffset };
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(8 + lenBytes, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw npyError(file, `unreadable .npy header: ${text.trim()}`);
  if (fortran === 'True') throw npyError(file, 'the array is in Fortran (column-major) order: save it C-ordered (numpy.ascontiguousarray) first');
  if (!(descr in ITEM_SIZE)) throw npyError(file, `dtype '${descr}' is not supported: little-endian float32, float64 or float16 ('<f4', '<f8', '<f2') only`);
  const dims = shape
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (dims.length !== 2 || dims.some((d) => !Number.isSafeInteger(d))) throw npyError(file, `shape (${shape}) is not 2-D: expected (rows, dims)`);
  if (dims[1]! < 1) throw npyError(file, `shape (${shape}) has no columns`);
  return { dtype: descr as Dtype, rows: dims[0]!, dims: dims[1]!, dataOffset };
}

/** IEEE half float to a JS number, by table: 64k entries are cheaper than bit twiddling per value. */
let halfTable: Float32Array | undefined;
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    halfTable[h] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return halfTable;
}

/** Decodes `count` values of `dtype` (little-endian) from `bytes` into float32. */
function decodeNpyValues(dtype: Dtype, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === '<f4') for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === '<f8') for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  else {
    const table = halfToFloat();
    for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)]!;
  }
  return out;
}

/** Reads and checks the header of an open .npy file, including that the data is all there. */
export async function readNpyHeader(fh: FileHandle, file: string): Promise<NpyHeader> {
  let head = new Uint8Array(128);
  let got = (await fh.read(head, 0, head.length, 0)).bytesRead;
  let parsed = parseNpyHeader(head.subarray(0, got), file);
  while ('need' in parsed) {
    if (got < head.length) throw npyError(file, 'the .npy header is cut short');
    head = new Uint8Array(parsed.need);
    got = (await fh.read(head, 0, head.length, 0)).bytesRead;
    parsed = parseNpyHeader(head.subarray(0, got), file);
  }
  const size = (await fh.stat()).size;
  const expected = parsed.dataOffset + parsed.rows * parsed.dims * ITEM_SIZE[parsed.dtype];
  if (size !== expected) throw npyError(file, `holds ${size} bytes; a ${parsed.rows} x ${parsed.dims} ${parsed.dtype} array takes ${expected} (truncated or not C-ordered data?)`);
  return parsed;
}

/** Rows `start`..`start+count` of the array, as float32 (count x dims, row-major). */
export async function readNpyRows(fh: FileHandle, header: NpyHeader, start: number, count: number): Promise<Float32Array> {
  const rowBytes = header.dims * ITEM_SIZE[header.dtype];
  const bytes = new Uint8Array(count * rowBytes);
  const { bytesRead } = await fh.read(bytes, 0, bytes.length, header.dataOffset + start * rowBytes);
  if (bytesRead !== bytes.length) throw new LoupeError('bad_request', `.npy data ends before row ${start + count}`);
  return decodeNpyValues(header.dtype, bytes, count * header.dims);
}
