/** The .npy reader of `loupe import-vectors`: headers v1/v2/v3, <f4/<f8/<f2 data, and the files it refuses. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openVectorFile } from '../../src/catalog/vector-file.js';
import { parseNpyHeader } from '../../src/catalog/npy.js';
import { npyBytes } from '../helpers/npy.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('npy');
const ROWS = [
  [0.5, -1.25, 3],
  [2, 0, -0.0625],
  [1024, 0.75, -8],
];

function write(name: string, bytes: Buffer, ids = ['a', 'b', 'c']): { file: string; ids: string } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  fs.writeFileSync(`${file}.ids`, ids.join('\n') + '\n');
  return { file, ids: `${file}.ids` };
}

async function readAll(f: { file: string; ids: string }, batch = 2) {
  const src = await openVectorFile(f.file, { ids: f.ids });
  try {
    const out: { ids: (string | null)[]; rows: number[][]; problems: string[] } = { ids: [], rows: [], problems: [] };
    for await (const b of src.batches(batch)) {
      out.ids.push(...b.ids);
      for (let i = 0; i < b.ids.length; i++) out.rows.push(Array.from(b.flat.subarray(i * src.dims, (i + 1) * src.dims)));
      out.problems.push(...b.problems.values());
    }
    return { ...out, dims: src.dims, count: src.rows, extra: src.extraIds };
  } finally {
    await src.close();
  }
}

for (const dtype of ['<f4', '<f8', '<f2'] as const) {
  for (const version of [1, 2, 3] as const) {
    test(`npy: format ${version}.0 ${dtype} reads every row in order, in batches`, async () => {
      const r = await readAll(write(`m-${dtype.slice(1)}-${version}.npy`, npyBytes(ROWS, { dtype, version })));
      assert.equal(r.dims, 3);
      assert.equal(r.count, 3);
      assert.deepEqual(r.ids, ['a', 'b', 'c']);
      assert.deepEqual(r.rows, ROWS);
      assert.deepEqual(r.problems, []);
    });
  }
}

test('npy: NaN and infinities come through as such (the import names their rows)', async () => {
  const r = await readAll(
    write(
      'nan.npy',
      npyBytes(
        [
          [NaN, 1],
          [Infinity, -Infinity],
        ],
        { dtype: '<f2' },
      ),
      ['a', 'b'],
    ),
  );
  assert.ok(Number.isNaN(r.rows[0]![0]));
  assert.deepEqual(r.rows[1], [Infinity, -Infinity]);
});

test('npy: fewer ids than rows marks the rows without one; more ids than rows lists the extra ids by line', async () => {
  const short = await readAll(write('short.npy', npyBytes(ROWS), ['a', 'b']));
  assert.deepEqual(short.ids, ['a', 'b', null]);
  assert.match(short.problems[0]!, /row 3 has no id: short\.npy\.ids has 2 lines for 3 rows/);
  const long = await readAll(write('long.npy', npyBytes(ROWS), ['a', 'b', 'c', 'd']));
  assert.deepEqual(long.extra, [{ line: 4, id: 'd' }]);
});

test('npy: Fortran order, other dtypes, big-endian, 1-D and 3-D shapes and truncated data are refused, saying why', async () => {
  const refuse = async (name: string, bytes: Buffer, why: RegExp) => {
    const f = write(name, bytes);
    await assert.rejects(openVectorFile(f.file, { ids: f.ids }), why);
  };
  await refuse('fortran.npy', npyBytes(ROWS, { fortran: true }), /Fortran \(column-major\) order/);
  await refuse('int.npy', npyBytes(ROWS, { descr: '<i4' }), /dtype '<i4' is not supported/);
  await refuse('big.npy', npyBytes(ROWS, { descr: '>f4' }), /dtype '>f4' is not supported: little-endian/);
  await refuse('flat.npy', npyBytes(ROWS, { shape: '(9,)' }), /is not 2-D/);
  await refuse('cube.npy', npyBytes(ROWS, { shape: '(3, 1, 3)' }), /is not 2-D/);
  await refuse('cut.npy', npyBytes(ROWS).subarray(0, -5), /truncated/);
  await refuse('not.npy', Buffer.from('id,vector\na,1\n'), /not a \.npy file/);
  await assert.rejects(openVectorFile(path.join(dir, 'x.npy')), /--ids FILE/);
  await assert.rejects(openVectorFile(path.join(dir, 'x.csv')), /expected a \.npy or \.parquet file/);
});

test('npy: a header longer than the first read (format 2.0) is read whole', () => {
  const bytes = npyBytes(ROWS, { version: 2 });
  const first = parseNpyHeader(bytes.subarray(0, 12));
  assert.ok('need' in first && first.need > 12);
  const full = parseNpyHeader(bytes);
  assert.ok(!('need' in full));
  assert.deepEqual([full.rows, full.dims, full.dtype], [3, 3, '<f4']);
});
