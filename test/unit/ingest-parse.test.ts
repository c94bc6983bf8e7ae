import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ColumnMapError, mapRow, parseColumnMap } from '../../src/catalog/map.js';
import { CatalogueError, catalogueFormat, parseCatalogueText } from '../../src/catalog/parse.js';
import { recordReader } from '../../src/catalog/record.js';

describe('catalogue parsing', () => {
  test('format comes from the extension', () => {
    assert.equal(catalogueFormat('a/items.CSV'), 'csv');
    assert.equal(catalogueFormat('items.tsv'), 'tsv');
    assert.equal(catalogueFormat('items.ndjson'), 'jsonl');
    assert.throws(() => catalogueFormat('items.xlsx'), CatalogueError);
  });

  test('CSV records keep their physical start line through BOM, CRLF, blank lines and quoted newlines', () => {
    const text = '\uFEFFid,image,title\r\n1,a.jpg,"two\r\nlines"\r\n\r\n2,b.jpg,5" heel\r\n3,c.jpg\r\n4,d.jpg,"x ""q"""\r\n5,e.jpg,"open\r\n6,f.jpg,g\r\n';
    const out = parseCatalogueText(text, 'csv');
    assert.deepEqual(out.columns, ['id', 'image', 'title']);
    assert.deepEqual(
      out.rows.map((r) => [r.line, r.values.id, r.values.title]),
      [
        [2, '1', 'two\nlines'],
        [5, '2', '5" heel'],
        [7, '4', 'x "q"'],
      ],
    );
    assert.deepEqual(
      out.errors.map((e) => [e.line, e.id]),
      [
        [6, '3'],
        [8, '5'],
      ],
    );
    assert.match(out.errors[0]?.reason ?? '', /2 fields, the header has 3/);
    assert.match(out.errors[1]?.reason ?? '', /never closed, so lines 8-9 could not be read/);
  });

  test('TSV and header problems', () => {
    const out = parseCatalogueText('id\timage\tlabels\nx\tx.jpg\ta|b\n', 'tsv');
    assert.deepEqual(out.rows[0]?.values, { id: 'x', image: 'x.jpg', labels: 'a|b' });
    assert.throws(() => parseCatalogueText('', 'csv'), /empty/);
    assert.throws(() => parseCatalogueText('id,id\n1,2\n', 'csv'), /duplicate column 'id'/);
  });
});

describe('column maps', () => {
  test('entries split on commas only before `name=`, so templates may hold commas', () => {
    const map = parseColumnMap(['id=image,image=images/{image}.jpg', 'title={brand}, {model},labels=label']);
    assert.deepEqual([...map.keys()], ['id', 'image', 'title', 'labels']);
    assert.deepEqual(map.get('title'), { kind: 'template', template: '{brand}, {model}', columns: ['brand', 'model'] });
    const { fields } = mapRow(map, { image: 'abc', brand: 'Acme', model: 'X1', label: 'Shoes' });
    assert.equal(fields.id, 'abc');
    assert.equal(fields.image, 'images/abc.jpg');
    assert.equal(fields.title, 'Acme, X1');
    assert.throws(() => parseColumnMap('id'), ColumnMapError);
    assert.throws(() => parseColumnMap('id=a,id=b'), /twice/);
  });

  test('records: CSV numbers become numbers unless that would lose information', () => {
    const read = recordReader(parseColumnMap(undefined), 'csv');
    const out = read({ line: 2, values: { id: ' 7 ', image: 'a.jpg', labels: '', price: '12.50', zip: '02134', big: '12345678901234567890', note: '', size: 'M' } });
    assert.ok('record' in out);
    assert.equal(out.record.id, '7');
    assert.deepEqual(out.record.labels, []);
    assert.deepEqual(out.record.attrs, { price: 12.5, zip: '02134', big: '12345678901234567890', size: 'M' });
  });
});
