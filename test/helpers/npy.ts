/**
 * The bytes of a .npy file as NumPy writes them (format 1.0 unless told; header padded to 64 bytes
 * with spaces and a newline), for tests of the reader: no NumPy needed.
 */
export function npyBytes(rows: readonly (readonly number[])[], opts: { dtype?: '<f4' | '<f8' | '<f2'; version?: 1 | 2 | 3; descr?: string; fortran?: boolean; shape?: string } = {}): Buffer {
  const dtype = opts.dtype ?? '<f4';
  const dims = rows[0]?.length ?? 0;
  const version = opts.version ?? 1;
  const dict = `{'descr': '${opts.descr ?? dtype}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${opts.shape ?? `(${rows.length}, ${dims})`}, }`;
  const lenBytes = version === 1 ? 2 : 4;
  const pad = 64 - ((8 + lenBytes + dict.length + 1) % 64);
  const header = Buffer.from(dict + ' '.repeat(pad % 64) + '\n', 'latin1');
  const size = { '<f4': 4, '<f8': 8, '<f2': 2 }[dtype];
  const data = Buffer.alloc(rows.length * dims * size);
  rows.flat().forEach((x, i) => {
    if (dtype === '<f4') data.writeFloatLE(x, 4 * i);
    else if (dtype === '<f8') data.writeDoubleLE(x, 8 * i);
    else data.writeUInt16LE(toHalf(x), 2 * i);
  });
  const pre = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(pre);
  if (lenBytes === 2) pre.writeUInt16LE(header.length, 8);
  else pre.writeUInt32LE(header.length, 8);
  return Buffer.concat([pre, header, data]);
}

/** float -> IEEE half, for values exactly representable in one (the tests use such values), NaN and the infinities. */
function toHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  let exp = Math.floor(Math.log2(a));
  if (exp < -14) return sign | Math.round(a / 2 ** -24); // subnormal
  let frac = Math.round((a / 2 ** exp - 1) * 1024);
  if (frac === 1024) {
    exp++;
    frac = 0;
  }
  return sign | ((exp + 15) << 10) | frac;
}
