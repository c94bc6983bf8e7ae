import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const DIR = path.join(import.meta.dirname, '../../eval-sets');

test('every eval set is frozen: its first line is a header naming the set and the commit it was written at', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl'));
  assert.ok(files.length >= 3, `eval sets found: ${files.join(', ')}`);
  for (const file of files) {
    const lines = fs.readFileSync(path.join(DIR, file), 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0]!) as { _header?: { set?: unknown; written_at?: unknown } };
    assert.ok(first._header, `${file}: no _header on the first line`);
    assert.equal(first._header.set, path.basename(file, '.jsonl'), `${file}: header names another set`);
    assert.match(String(first._header.written_at), /^[0-9a-f]{7,40}\b/, `${file}: written_at is not a commit`);
    // Exactly one header, and every other line is a request.
    for (const [i, line] of lines.slice(1).entries()) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      assert.ok(!('_header' in rec) && typeof rec.request === 'string', `${file} line ${i + 2}: not a request`);
    }
  }
});
