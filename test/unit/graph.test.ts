import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decay, parseTimestamp, parseWeights, toTasteEvent, DEFAULT_ACTION_WEIGHTS } from '../../src/graph/actions.js';
import { diversifyByKey, fuseRanks, kCentreKeys, weightedRoundRobin } from '../../src/graph/diversify.js';
import { groupsAsUsers, leaveLastOut, scoreFeeds } from '../../src/graph/evaluate.js';
import { TasteGraph } from '../../src/graph/graph.js';
import { interestCap, UserTaste } from '../../src/graph/interests.js';
import { pixieWalk, walkExplainer } from '../../src/graph/walk.js';

const DAY = 86_400_000;

/** a -g1- b -g2- c -g3- d: a path of items through single-item-pair groups. */
function chain(): TasteGraph {
  const g = new TasteGraph();
  for (const [item, group] of [
    ['a', 'g1'],
    ['b', 'g1'],
    ['b', 'g2'],
    ['c', 'g2'],
    ['c', 'g3'],
    ['d', 'g3'],
  ] as const)
    g.addMembership(item, group);
  return g;
}

const visited = (scores: [string, number][]) => new Map(scores);

test('walks: restart probability bounds how far they go', () => {
  const g = chain();
  const always = visited(pixieWalk(g, [{ item: 'a', weight: 1 }], { steps: 2000, restart: 1, enough: 1e9 }).scores);
  assert.deepEqual([...always.keys()], ['b'], 'restart after every step: only the items one crossing away');
  const rarely = visited(pixieWalk(g, [{ item: 'a', weight: 1 }], { steps: 2000, restart: 0.05, enough: 1e9 }).scores);
  assert.ok(rarely.has('c') && rarely.has('d'), 'long walks reach the end of the chain');
  const some = visited(pixieWalk(g, [{ item: 'a', weight: 1 }], { steps: 4000, restart: 0.5, enough: 1e9 }).scores);
  assert.ok(some.get('b')! > some.get('c')! && some.get('c')! > (some.get('d') ?? 0), 'visits fall off with distance');
});

test('walks: degree normalisation damps hub groups', () => {
  const g = new TasteGraph();
  g.addMembership('s', 'small');
  g.addMembership('t', 'small');
  g.addMembership('s', 'hub');
  for (let i = 0; i < 49; i++) g.addMembership(`h${i}`, 'hub');
  const share = (hubDamping: number) => {
    const r = pixieWalk(g, [{ item: 's', weight: 1 }], { steps: 20_000, restart: 1, hubDamping, enough: 1e9, seed: 7 });
    const total = r.scores.reduce((a, [, v]) => a + v, 0);
    return (visited(r.scores).get('t') ?? 0) / total;
  };
  // Through 'small' (degree 2) the walk always lands on t; through 'hub' (degree 50) on t never.
  // No damping: P(small) = 1/2. Damping 1: P(small) = (1/2) / (1/2 + 1/50) = 25/26.
  assert.ok(Math.abs(share(0) - 0.5) < 0.03, `undamped ${share(0)}`);
  assert.ok(Math.abs(share(1) - 25 / 26) < 0.02, `damped ${share(1)}`);
});

test('walks: same seed, same result; exclusions and seeds never come back; early stop', () => {
  const g = new TasteGraph();
  for (let u = 0; u < 30; u++) for (let j = 0; j < 5; j++) g.addEngagement(`u${u}`, `i${(u * 3 + j * 7) % 40}`, 1 + (j % 3));
  const seeds = [
    { item: 'i0', weight: 1 },
    { item: 'i7', weight: 0.5 },
  ];
  const a = pixieWalk(g, seeds, { seed: 42 }, { exclude: new Set(['i14']) });
  const b = pixieWalk(g, seeds, { seed: 42 }, { exclude: new Set(['i14']) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(pixieWalk(g, seeds, { seed: 43 }).scores, a.scores);
  const ids = a.scores.map(([id]) => id);
  assert.ok(!ids.includes('i0') && !ids.includes('i7') && !ids.includes('i14'));
  const early = pixieWalk(g, seeds, { steps: 100_000, minVisits: 2, enough: 3 });
  assert.equal(early.stoppedEarly, 2);
  assert.ok(early.steps < 1000, `stopped after ${early.steps} steps`);
});

test('walks: similarity hops reach items with no events; explanations name the path', () => {
  const g = new TasteGraph();
  g.addEngagement('me', 'x', 3);
  g.addEngagement('other', 'x', 1);
  g.addEngagement('other', 'y', 1);
  g.addMembership('x', 'board-1');
  g.addMembership('z', 'board-1');
  const similar = (id: string) => (id === 'x' ? [{ id: 'cold', score: 0.9 }] : undefined);
  const ids = pixieWalk(g, [{ item: 'x', weight: 1 }], { steps: 3000 }, { similar, exclude: new Set(['x']), user: 'me' }).scores.map(([id]) => id);
  assert.deepEqual([...ids].sort(), ['cold', 'y', 'z']);
  const why = walkExplainer(g, 'me', ['x'], similar);
  assert.deepEqual(why('z'), { kind: 'group', group: 'board-1', item: 'x' });
  assert.deepEqual(why('y'), { kind: 'people', item: 'x' });
  assert.deepEqual(why('cold'), { kind: 'similar', item: 'x' });
});

const unit = (...xs: number[]) => Float32Array.from(xs);

test('interests: two separated tastes become two centres; cap grows with history', () => {
  assert.deepEqual(
    [1, 2, 3, 8, 9, 19, 33, 500].map((n) => interestCap(n, 5)),
    [1, 1, 2, 2, 3, 4, 5, 5],
  );
  const shoes = [unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0.9, 0.1, 0.1)];
  const hats = [unit(0, 1, 0.1), unit(0.1, 1, 0), unit(0, 0.9, 0.2)];
  const byId = new Map<string, Float32Array>([...shoes.map((v, i) => [`shoe${i}`, v] as const), ...hats.map((v, i) => [`hat${i}`, v] as const)]);
  const t = new UserTaste('u', { halfLifeMs: Infinity, maxInterests: 5 }, (id) => byId.get(id));
  for (let i = 0; i < 3; i++) {
    t.add(`shoe${i}`, 'save', 3, i, shoes[i]);
    t.add(`hat${i}`, 'view', 0.5, i, hats[i]);
  }
  const interests = t.interests();
  assert.equal(interests.length, 2);
  assert.deepEqual([...interests[0]!.members].sort(), ['shoe0', 'shoe1', 'shoe2']);
  assert.deepEqual([...interests[1]!.members].sort(), ['hat0', 'hat1', 'hat2']);
  assert.ok(Math.abs(interests[0]!.share - 9 / 10.5) < 1e-9, 'shares follow action weights');
  assert.equal(interests[0]!.exemplar.action, 'save');
  assert.ok(interests[0]!.vec[0]! > 0.9 && interests[1]!.vec[1]! > 0.9);
  const mean = t.meanVector()!;
  assert.ok(mean[0]! > mean[1]!, 'the single vector leans to the heavier taste');
});

test('interests: recency halves weight per half-life, whatever the arrival order', () => {
  const opts = { halfLifeMs: 10 * DAY, maxInterests: 5 };
  const a = new UserTaste('u', opts);
  a.add('old', 'save', 1, 0, unit(1, 0));
  a.add('new', 'save', 1, 20 * DAY, unit(0, 1));
  const b = new UserTaste('u', opts);
  b.add('new', 'save', 1, 20 * DAY, unit(0, 1));
  b.add('old', 'save', 1, 0, unit(1, 0));
  for (const t of [a, b]) {
    assert.ok(Math.abs(t.weightAt('new', 20 * DAY) - 1) < 1e-9);
    assert.ok(Math.abs(t.weightAt('old', 20 * DAY) - 0.25) < 1e-9, 'two half-lives old: a quarter');
    assert.deepEqual(
      t.engagement().map((e) => e.item),
      ['new', 'old'],
    );
  }
  assert.ok(Math.abs(decay(10 * DAY, 10 * DAY) - 0.5) < 1e-12);
  // Spans of many half-lives are folded back without overflowing.
  const far = new UserTaste('u', { halfLifeMs: DAY, maxInterests: 5 });
  for (let d = 0; d < 400; d += 50) far.add(`i${d}`, 'view', 1, d * DAY, unit(1, d));
  assert.ok(far.interests().every((i) => Number.isFinite(i.share) && i.vec.every(Number.isFinite)));
  assert.equal(far.engagement()[0]!.item, 'i350');
});

test('diversification: rank fusion, weighted round-robin, label round-robin, k-centre keys', () => {
  const fused = fuseRanks([{ ids: ['a', 'b'] }, { ids: ['b', 'c'] }], 1);
  assert.deepEqual(Object.fromEntries(fused), { a: 1 / 2, b: 1 / 3 + 1 / 2, c: 1 / 3 });
  const rr = weightedRoundRobin(
    [
      { weight: 2, items: ['a1', 'a2', 'a3', 'a4'] },
      { weight: 1, items: ['b1', 'a2', 'b2'] },
    ],
    6,
    (x) => x,
  );
  assert.deepEqual(rr, ['a1', 'b1', 'a2', 'a3', 'b2', 'a4'], 'a gets two turns in three; a duplicate is skipped');
  const byLabel = diversifyByKey(
    ['s1', 's2', 's3', 'h1', 'p1'],
    (id) => id[0]!,
    4,
    (x) => x,
  );
  assert.deepEqual(byLabel, ['s1', 'h1', 'p1', 's2']);
  const vecs: Record<string, number[]> = { a: [1, 0], b: [0.9, 0.1], c: [0, 1], d: [0.1, 0.9] };
  const keys = kCentreKeys(['a', 'b', 'c', 'd'], (id) => vecs[id], 2);
  assert.equal(keys.get('a'), keys.get('b'));
  assert.equal(keys.get('c'), keys.get('d'));
  assert.notEqual(keys.get('a'), keys.get('c'));
});

test('actions: weights, timestamps and event validation', () => {
  assert.deepEqual(parseWeights('purchase=10, like=2'), { ...DEFAULT_ACTION_WEIGHTS, purchase: 10, like: 2 });
  assert.throws(() => parseWeights('save=-1'), /must be a number/);
  assert.throws(() => parseWeights('save'), /expected action=number/);
  assert.equal(parseTimestamp('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10));
  assert.equal(parseTimestamp('1714557600000'), 1714557600000);
  assert.equal(parseTimestamp(1714557600000), 1714557600000);
  assert.equal(parseTimestamp('yesterday'), undefined);
  const w = parseWeights('like=2');
  assert.deepEqual(toTasteEvent({ user: 7, item: 'x', action: 'Like', ts: '2024-05-01' }, w), { user: '7', item: 'x', action: 'like', weight: 2, ts: Date.UTC(2024, 4, 1) });
  assert.match(toTasteEvent({ user: 'u', item: 'x', action: 'wink', ts: 1 }, w) as string, /unknown action 'wink'/);
  assert.match(toTasteEvent({ user: 'u', item: 'x', action: 'save' }, w) as string, /missing ts/);
  assert.equal((toTasteEvent({ user: 'u', item: 'x', action: 'save' }, w, 5) as { ts: number }).ts, 5);
  assert.match(toTasteEvent({ user: 'u', item: ['x'], action: 'save', ts: 1 }, w) as string, /item must be a string/);
  assert.match(toTasteEvent({ item: 'x', action: 'save', ts: 1 }, w) as string, /missing user/);
  assert.equal((toTasteEvent({ user: 'u', item: 'x', action: 'wink', ts: 1, weight: '4' }, w) as { weight: number }).weight, 4);
});

test('evaluation: leave-last-k-out, groups as users, recall and NDCG', () => {
  const ev = (user: string, item: string, ts: number) => ({ user, item, action: 'save', weight: 1, ts });
  const split = leaveLastOut([ev('u', 'a', 1), ev('u', 'b', 2), ev('u', 'c', 3), ev('u', 'd', 4), ev('u', 'a', 5), ev('v', 'x', 1)], 2);
  // u's last two distinct items are a (ts 5) and d; a was seen before the cut, so only d counts.
  assert.deepEqual(
    split.train.map((e) => e.item),
    ['a', 'b', 'c', 'x'],
  );
  assert.deepEqual(Object.fromEntries(split.test), { u: ['d'] });
  const g = groupsAsUsers(
    [
      { id: 'a', groups: ['g1'] },
      { id: 'b', groups: ['g1', 'g2'] },
      { id: 'c', groups: ['g1'] },
    ],
    3,
  );
  assert.deepEqual(
    g,
    groupsAsUsers(
      [
        { id: 'a', groups: ['g1'] },
        { id: 'b', groups: ['g1', 'g2'] },
        { id: 'c', groups: ['g1'] },
      ],
      3,
    ),
    'seeded',
  );
  assert.deepEqual(
    g
      .filter((e) => e.user === 'group:g1')
      .map((e) => e.item)
      .sort(),
    ['a', 'b', 'c'],
  );
  const scores = scoreFeeds(new Map([['u', ['d', 'e']]]), ['perfect', 'half'], (_, m) => (m === 'perfect' ? ['d', 'e'] : ['z', 'd']), 20);
  assert.deepEqual(scores.perfect, { recall: 1, ndcg: 1, users: 1 });
  assert.equal(scores.half.recall, 0.5);
  assert.ok(Math.abs(scores.half.ndcg - 1 / Math.log2(3) / (1 + 1 / Math.log2(3))) < 1e-12);
});
