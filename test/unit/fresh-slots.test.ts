import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendOf, fitBlend, type BlendCase, type Scored } from '../../src/graph/blend.js';
import { FRESH_EVERY_DEFAULT, placeFresh } from '../../src/graph/fresh-slots.js';

const ids = (xs: readonly string[]) => xs.map((id) => ({ id }));
const later = (xs: readonly string[]) => () => ids(xs);
const isFresh = (id: string) => id.startsWith('f');

test('fresh slots: the last slot of every `every` takes the best fresh candidate not shown; enough fresh items already: unchanged', () => {
  const items = ids(['a', 'b', 'c', 'd', 'e', 'g']);
  assert.deepEqual(
    placeFresh(items, later(['f1', 'f2', 'f3']), isFresh, 6, 3).map((i) => i.id),
    ['a', 'b', 'f2', 'd', 'e', 'f1'],
    'two slots; the best candidate goes to the last one, as served',
  );
  assert.deepEqual(
    placeFresh(ids(['a', 'f9', 'c', 'd', 'e', 'g']), later(['f1', 'f2']), isFresh, 6, 3).map((i) => i.id),
    ['a', 'f9', 'c', 'd', 'e', 'f1'],
    'one fresh item is shown already: one slot left to fill',
  );
  assert.deepEqual(
    placeFresh(ids(['a', 'f1']), later(['f1', 'f2']), isFresh, 6, 3).map((i) => i.id),
    ['a', 'f1', 'f2'],
    'a short list gets the candidate appended; a shown one is skipped',
  );
  assert.deepEqual(placeFresh(items, later(['f1']), isFresh, 6, 0), items, '0: off');
  const never = () => assert.fail('candidates gathered with no slot open');
  assert.deepEqual(placeFresh(items, never, isFresh, 6, 100), items, 'a rate past the page: nothing on it, and no candidates gathered');
  assert.deepEqual(placeFresh(items, later(['a', 'x']), isFresh, 6, 3), items, 'candidates that are not fresh are never placed');
});

/** 60 users, k = 20: `saves` ranks 20 items with the hidden one at `at`; the looks offer two fresh items, the hidden one among them when `freshRight` (first for even users, second for odd). */
function cases(at: number, freshRight: (u: number) => boolean): BlendCase[] {
  return Array.from({ length: 60 }, (_, u) => {
    const hidden = freshRight(u) ? `f${u}h` : `h${u}`;
    const saves: Scored[] = Array.from({ length: 20 }, (_, r) => ({ id: r === at && !freshRight(u) ? hidden : `x${u}-${r}`, score: 1 - r / 100 }));
    const candidates = !freshRight(u) ? [`f${u}a`, `f${u}b`] : u % 2 ? [`f${u}a`, hidden] : [hidden, `f${u}a`];
    return { input: { saves }, hidden: [hidden], fresh: { candidates, isFresh } };
  });
}

test('fit: the fresh-slot rate moves off the page only when the slot clearly costs hits; otherwise it stays at the default', () => {
  const fallback = blendOf('rank', { saves: 1 });
  // Every hidden item is the 20th of the saves list: the slot on the page always replaces it.
  const costly = fitBlend(
    cases(19, () => false),
    20,
    fallback,
  );
  assert.equal(costly.weights.freshEvery, 100);
  assert.equal(costly.recall, 1);
  // The looks find a third of the hidden items, which only fresh slots reach, half of them second: two slots beat one.
  const useful = fitBlend(
    cases(0, (u) => u % 3 === 0),
    20,
    fallback,
  );
  assert.equal(useful.weights.freshEvery, 10);
  assert.equal(useful.recall, 1);
  // Hidden items high in the list, no fresh hits: every rate scores the same, the default stays.
  const neutral = fitBlend(
    cases(0, () => false),
    20,
    fallback,
  );
  assert.equal(neutral.weights.freshEvery, FRESH_EVERY_DEFAULT);
  // Cases that know nothing about fresh items: no rate is fitted.
  const unknown = fitBlend(
    cases(19, () => false).map(({ input, hidden }) => ({ input, hidden })),
    20,
    fallback,
  );
  assert.equal(unknown.weights.freshEvery, undefined);
});
