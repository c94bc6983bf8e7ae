import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/embedding/random.js';
import { groupWalk, tuneWalk } from '../../src/complete/group-walk.js';
import { groupRecall, NO_STEP, togetherCounts } from '../../src/complete/score.js';
import { groupMembers, groupQueries } from '../../src/complete/split.js';

test('group walk: two steps through another group, not the query or its own group-mates by the first group; best = 1', () => {
  // Rooms A {0,1,2}, B {1,3}, C {3,4}: from 0, item 3 is two steps away (0 -A- 1 -B- 3); 4 is three.
  const groupsOf = [['A'], ['A', 'B'], ['A'], ['B', 'C'], ['C']];
  const members = groupMembers(groupsOf.map((groups, i) => ({ id: String(i), labels: [], groups })));
  assert.deepEqual([...groupWalk(0, groupsOf, members)], [[3, 1]]);
  // From 3: through B to 1, then A to 0 and 2 (half each); through C to 4, a dead end.
  assert.deepEqual(
    [...groupWalk(3, groupsOf, members)].sort((a, b) => a[0] - b[0]),
    [
      [0, 1],
      [2, 1],
    ],
  );
  // An item in no group with others reaches nothing.
  assert.equal(groupWalk(4, [...groupsOf.slice(0, 4), ['D']], members).size, 0);
});

/** Rooms of 4 products drawn from one of `styles` styles of 10 products each; products recur across rooms. */
function rooms(seed: number, styles: number, count: number, styled: boolean) {
  const rng = new Rng(seed);
  const n = styles * 10;
  const groupsOf: string[][] = Array.from({ length: n }, () => []);
  for (let r = 0; r < count; r++) {
    const style = rng.int(styles);
    const pool = styled ? Array.from({ length: 10 }, (_, i) => style * 10 + i) : Array.from({ length: n }, (_, i) => i);
    for (const i of rng.sample(pool, 4)) groupsOf[i]!.push(`room:${r}`);
  }
  const held = new Set(Array.from({ length: count }, (_, r) => `room:${r}`).filter(() => rng.next() < 0.3));
  const items = groupsOf.map((groups, i) => ({ id: String(i), labels: [], groups }));
  const visible = groupMembers(items, (g) => !held.has(g));
  const queries = groupQueries(groupMembers(items, (g) => held.has(g)));
  // Looks that say nothing: fresh noise per call (groupRecall adds to its copy).
  const noise = new Rng(seed + 1);
  const scores = () => new Float32Array(n).map(() => noise.next());
  return { labels: items.map(() => []), queries, scores, together: (q: number) => togetherCounts(q, groupsOf, visible), walk: (q: number) => groupWalk(q, groupsOf, visible) };
}

test('group walk: where rooms share a style, the walk finds the hidden room-mates that no shared room shows, and the dev fit weighs it', () => {
  const input = rooms(7, 60, 200, true);
  const without = groupRecall({ ...input, step: NO_STEP }).recall;
  const withWalk = groupRecall({ ...input, step: { ...NO_STEP, walkWeight: 1 } }).recall;
  assert.ok(withWalk > 1.2 * without, `walk ${withWalk.toFixed(3)} vs seen together alone ${without.toFixed(3)}`);
  const tuned = tuneWalk({ ...input, step: NO_STEP });
  assert.ok(tuned.walkWeight > 0);
  assert.ok(tuned.recall > tuned.none);
});

test('group walk: with one group per item there is nothing to walk, and the fit keeps 0 without a pass', () => {
  const groupsOf = Array.from({ length: 40 }, (_, i) => [`outfit:${Math.floor(i / 4)}`]);
  const items = groupsOf.map((groups, i) => ({ id: String(i), labels: [], groups }));
  const held = new Set(['outfit:1', 'outfit:5']);
  const visible = groupMembers(items, (g) => !held.has(g));
  let passes = 0;
  const tuned = tuneWalk({
    labels: items.map(() => []),
    queries: groupQueries(groupMembers(items, (g) => held.has(g))),
    scores: () => (passes++, new Float32Array(40)),
    step: NO_STEP,
    together: (q) => togetherCounts(q, groupsOf, visible),
    walk: (q) => groupWalk(q, groupsOf, visible),
  });
  assert.equal(tuned.walkWeight, 0);
  assert.equal(passes, 0);
});

test('group walk: a budget of member visits bounds the walk through big groups; smaller groups are walked first', () => {
  // Query 0 shares room A with 1 and 2; 1 is also on a 2,000-item board, 2 in a small room S {2, 5}.
  const board = Array.from({ length: 2000 }, (_, i) => 10 + i);
  const groupsOf: string[][] = Array.from({ length: 2010 }, () => []);
  for (const i of [0, 1, 2]) groupsOf[i]!.push('A');
  for (const i of [1, ...board]) groupsOf[i]!.push('board');
  for (const i of [2, 5]) groupsOf[i]!.push('S');
  const members = groupMembers(groupsOf.map((groups, i) => ({ id: String(i), labels: [], groups })));
  const full = groupWalk(0, groupsOf, members);
  assert.equal(full.size, 2001, 'under the default budget the walk is exact');
  assert.equal(full.get(5), 1, 'the small room carries the most mass per item');
  const bounded = groupWalk(0, groupsOf, members, 100);
  assert.deepEqual([...bounded], [[5, 1]], 'the board would pass the budget and is left out; the small room is still walked');
  // From an item on a board of 500, the mates alone spend a budget of 100 before the one that leads on.
  const onBoard: string[][] = Array.from({ length: 501 }, (_, i) => (i < 500 ? ['B'] : []));
  onBoard[499]!.push('R');
  onBoard[500]!.push('R');
  const boardMembers = groupMembers(onBoard.map((groups, i) => ({ id: String(i), labels: [], groups })));
  assert.deepEqual([...groupWalk(0, onBoard, boardMembers)], [[500, 1]]);
  assert.deepEqual([...groupWalk(0, onBoard, boardMembers, 100)], []);
});
