/** The assistant's ranking: cosine to the query, the soft-label boost, ties, items without a vector, the top k only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankTop } from '../../src/assistant/rank.js';
import type { CandidateRow } from '../../src/store/item-filters.js';

const row = (id: string, labels: string[] = []): CandidateRow => ({ id, title: null, description: null, labels, groups: [], attrs: {} }) as unknown as CandidateRow;
const unitOf = (x: number, y: number) => {
  const n = Math.hypot(x, y);
  return new Float32Array([x / n, y / n]);
};
const vecs = new Map([
  ['a', unitOf(1, 0)],
  ['b', unitOf(0.8, 0.6)],
  ['c', unitOf(0, 1)],
  ['d', unitOf(1, 0)],
]);
const unit = (id: string) => vecs.get(id);

test('rankTop: best cosine first, ties by id, the k best only, parts for the reasons', () => {
  const top = rankTop([row('c'), row('d'), row('b'), row('a')], unit, { text: unitOf(1, 0) }, [], [], 3);
  assert.deepEqual(
    top.map((r) => r.row.id),
    ['a', 'd', 'b'],
  );
  assert.ok(Math.abs(top[2]!.score - 0.8) < 1e-6);
  assert.ok(Math.abs(top[2]!.parts.text! - 0.8) < 1e-6);
});

test('rankTop: a label the words probably mean comes first; an item without a vector comes last', () => {
  const top = rankTop([row('c', ['Hat']), row('x'), row('a')], unit, { text: unitOf(1, 0) }, [], ['Hat'], 5);
  // c: cosine 0 + boost 1 ties a: cosine 1 (ties go by id); x has no vector.
  assert.deepEqual(
    top.map((r) => [r.row.id, Math.round(r.score * 100) / 100]),
    [
      ['a', 1],
      ['c', 1],
      ['x', -1],
    ],
  );
});

test('rankTop: the closest interest tilts the ranking and is named when close', () => {
  const top = rankTop([row('a'), row('c')], unit, {}, [{ vec: unitOf(0, 1), exemplar: { item: 'c' } }], [], 2);
  assert.equal(top[0]!.row.id, 'c');
  assert.deepEqual(top[0]!.parts.interest, { score: top[0]!.parts.interest!.score, exemplar: 'c' });
  assert.equal(top[1]!.parts.interest, undefined, 'an interest far from the item is not given as its reason');
});

test('rankTop: once k soft-label items beat anything outside them, the rest are not scored; otherwise they are', () => {
  const many = new Map([
    ['s1', unitOf(1, 0.1)],
    ['s2', unitOf(1, 0.2)],
    ['o1', unitOf(1, 0)],
    ['o2', unitOf(0, 1)],
  ]);
  const read: string[] = [];
  const spy = (id: string) => {
    read.push(id);
    return many.get(id);
  };
  const rows = [row('o1'), row('s2', ['Hat']), row('o2'), row('s1', ['Hat'])];
  // Both soft items score above 1 + any cosine: o1 and o2 cannot enter the top 2.
  const top = rankTop(rows, spy, { text: unitOf(1, 0) }, [], ['Hat'], 2);
  assert.deepEqual(
    top.map((r) => r.row.id),
    ['s1', 's2'],
  );
  assert.ok(!read.includes('o1') && !read.includes('o2'));
  // A third place is open to the best item outside the label: it is scored.
  assert.deepEqual(
    rankTop(rows, many.get.bind(many), { text: unitOf(1, 0) }, [], ['Hat'], 3).map((r) => r.row.id),
    ['s1', 's2', 'o1'],
  );
  // A soft item far from the words (score 1 + cosine < 1) leaves room for a close item outside.
  assert.deepEqual(
    rankTop([row('o1'), row('c', ['Hat'])], (id) => (id === 'c' ? unitOf(-1, 0.1) : many.get(id)), { text: unitOf(1, 0) }, [], ['Hat'], 1).map((r) => r.row.id),
    ['o1'],
  );
});
