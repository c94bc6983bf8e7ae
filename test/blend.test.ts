import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { BLEND_GRID, blendRanking, blendWeightsSchema, DEFAULT_BLEND, fitBlend, minMax, MIN_VALIDATION_USERS, type BlendCase, type BlendInput, type Scored } from '../src/graph/blend.js';
import { seededRandom, shuffled } from '../src/graph/vec.js';
import { openDb } from '../src/store/db.js';
import { loadBlendWeights, saveBlendWeights } from '../src/store/feed-blend.js';
import { ensureVersion } from '../src/store/vectors.js';
import { freshDbUrl } from './helpers/backend.js';
import { tempDir } from './helpers/tmp.js';

const list = (ids: readonly string[], top = 1): Scored[] => ids.map((id, r) => ({ id, score: top - r / 100 }));
const one = (ann: string[], walk: string[] = [], single: string[] = [], items: string[] = []): BlendInput => ({
  interests: [{ share: 1, ann: list(ann) }],
  walk: list(walk, 50),
  items: list(items, 5).map((s) => ({ ...s, from: 'seed' })),
  single: list(single),
  bucketOf: new Map([...walk, ...single, ...items].map((id) => [id, 0])),
});
const w = (walk: number, single = 0, fusion: 'rank' | 'score' = 'rank', items = 0) => ({ walk, items, single, fusion });

test('blend ranking: walk weight 0 is the interests alone; rank fusion sums weight / (60 + rank)', () => {
  const input = one(['a', 'b', 'c'], ['x', 'c']);
  const ids = (weights: Parameters<typeof blendRanking>[1], k = 10) => blendRanking(input, weights, k).map((p) => p.id);
  assert.deepEqual(ids(w(0)), ['a', 'b', 'c']);
  assert.deepEqual(ids(w(0, 0, 'score')), ['a', 'b', 'c']);
  const fused = blendRanking(input, w(1), 10);
  assert.deepEqual(fused.map((p) => p.id), ['c', 'a', 'x', 'b'], 'c is in both lists; x tops the walk list');
  assert.ok(Math.abs(fused[0]!.score - (1 / 63 + 1 / 62)) < 1e-12);
  assert.deepEqual(fused.map((p) => p.via), ['walk', 'ann', 'walk', 'ann'], 'each pick names the list that ranked it best');
  // At 0.5 a walk-only find can never pass the last of 60 neighbours (0.5 / 61 < 1 / 120): it only reorders.
  const ann = Array.from({ length: 60 }, (_, i) => `n${i}`);
  assert.ok(!blendRanking(one(ann, ['x']), w(0.5), 60).some((p) => p.id === 'x'));
  assert.deepEqual(ids(w(0), 2), ['a', 'b'], 'k caps the feed');
});

test('blend ranking: score fusion normalises each list; buckets take turns by share', () => {
  assert.deepEqual(Object.fromEntries(minMax([{ id: 'a', score: 3 }, { id: 'b', score: 2 }, { id: 'c', score: 1 }])), { a: 1, b: 0.5, c: 0 });
  assert.deepEqual(Object.fromEntries(minMax([{ id: 'a', score: 7 }])), { a: 1 });
  const exact: BlendInput = {
    interests: [{ share: 1, ann: [{ id: 'a', score: 3 }, { id: 'b', score: 2 }, { id: 'c', score: 1 }] }],
    walk: [{ id: 'c', score: 10 }, { id: 'x', score: 0 }],
    items: [],
    single: [],
    bucketOf: new Map([['c', 0], ['x', 0]]),
  };
  const scored = blendRanking(exact, w(0.5, 0, 'score'), 10);
  assert.deepEqual(scored.map((p) => [p.id, p.score]), [['a', 1], ['b', 0.5], ['c', 0.5], ['x', 0]], 'c: 0 + 0.5 x 1; ties by id');
  const two: BlendInput = {
    interests: [
      { share: 0.75, ann: list(['a1', 'a2', 'a3', 'a4']) },
      { share: 0.25, ann: list(['b1', 'b2']) },
    ],
    walk: list(['w'], 9),
    items: [],
    single: list(['s']),
    bucketOf: new Map([['w', 1], ['s', 0]]),
  };
  const picks = blendRanking(two, w(4, 0.5), 6);
  assert.deepEqual(picks.map((p) => p.id), ['a1', 'a2', 'w', 'a3', 'a4', 's'], 'three turns in four for the heavier interest; w filed under interest 2');
  assert.equal(picks.find((p) => p.id === 'w')!.interest, 1);
});

/** `n` users: hidden items sit at ranks 25-29 of the neighbours (outside a top 20); `walk` and `single` lists per user. */
function cases(n: number, lists: (hidden: string[], rand: () => number) => { walk: string[]; single: string[]; items?: string[] }): BlendCase[] {
  const rand = seededRandom(11);
  return Array.from({ length: n }, (_, u) => {
    const ann = Array.from({ length: 60 }, (_, i) => `u${u}-n${i}`);
    const hidden = [...ann.slice(3, 5), ...ann.slice(25, 29)];
    const { walk, single, items = [] } = lists(hidden, rand);
    return { input: one(ann, walk, single, items), hidden };
  });
}
const noise = (u: number, rand: () => number) => Array.from({ length: 40 }, (_, i) => `noise-${u}-${Math.floor(rand() * 1e6)}-${i}`);

test('fit: a walk list of pure noise gets weight 0; one holding the hidden items gets weight > 0', () => {
  let u = 0;
  const noisy = fitBlend(cases(40, (_, rand) => ({ walk: noise(u++, rand), single: [] })), 20);
  assert.equal(noisy.fitted, true);
  assert.equal(noisy.weights.walk, 0, JSON.stringify(noisy.weights));
  assert.equal(noisy.users, 40);
  assert.equal(noisy.trials.length, BLEND_GRID.length);
  assert.ok(Math.abs(noisy.recall - 2 / 6) < 1e-12, 'only the two hidden items inside the top 20 are found');

  const useful = fitBlend(cases(40, (hidden, rand) => ({ walk: shuffled([...hidden.slice(2), ...noise(0, rand).slice(0, 4)], rand), single: [] })), 20);
  assert.ok(useful.weights.walk > 0, JSON.stringify(useful.weights));
  const off = useful.trials.find((t) => t.weights.walk === 0 && t.weights.items === 0 && t.weights.single === 0 && t.weights.fusion === 'rank')!;
  assert.ok(useful.recall > off.recall, `${useful.recall} > ${off.recall}`);
  assert.equal(useful.recall, 1);
});

test('fit: item neighbours or the mean-vector list get weight when they hold what the interests miss; too few users keep the defaults', () => {
  let u = 0;
  const fit = fitBlend(cases(30, (hidden, rand) => ({ walk: noise(u++, rand), single: [...hidden.slice(2), 'z1', 'z2'] })), 20);
  assert.equal(fit.weights.walk, 0);
  assert.equal(fit.weights.items, 0);
  assert.ok(fit.weights.single > 0);
  const knn = fitBlend(cases(30, (hidden, rand) => ({ walk: noise(u++, rand), single: noise(u++, rand), items: [...hidden.slice(2), 'z1', 'z2'] })), 20);
  assert.deepEqual([knn.weights.walk, knn.weights.single], [0, 0]);
  assert.ok(knn.weights.items > 0);
  assert.equal(knn.recall, 1);
  const top = blendRanking(one(['a', 'b'], [], [], ['x']), w(0, 0, 'rank', 4), 5)[0]!;
  assert.deepEqual([top.id, top.via, top.from], ['x', 'items', 'seed'], 'an item neighbour names the item that voted for it');
  const few = fitBlend(cases(MIN_VALIDATION_USERS - 1, (hidden) => ({ walk: hidden, single: [] })), 20);
  assert.equal(few.fitted, false);
  assert.deepEqual(few.weights, DEFAULT_BLEND);
  assert.equal(fitBlend([], 20).fitted, false);
});

test('store: fitted weights round-trip per version; unreadable rows count as none', async () => {
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(tempDir('blend'), 'db') });
  try {
    await ensureVersion(db, { name: 'generic', kind: 'generic', encoder: 'test', dims: 4 });
    assert.equal(await loadBlendWeights(db, 'generic'), undefined);
    await saveBlendWeights(db, 'generic', w(0.5, 0, 'score'), { users: 40, k: 20, recall: 0.3, ndcg: NaN });
    await saveBlendWeights(db, 'generic', { walk: 2, items: 1, single: 0.5, fusion: 'rank' }, { users: 41, k: 20, recall: 0.25, ndcg: 0.125, holdout: 5 });
    const got = await loadBlendWeights(db, 'generic');
    assert.deepEqual(got?.weights, { walk: 2, items: 1, single: 0.5, fusion: 'rank' });
    assert.deepEqual(got?.fit, { users: 41, k: 20, recall: 0.25, ndcg: 0.125, holdout: 5 });
    await assert.rejects(saveBlendWeights(db, 'generic', { walk: -1, items: 0, single: 0, fusion: 'rank' }, { users: 1, k: 20, recall: null, ndcg: null }));
    await db.query(`UPDATE feed_blend SET weights = '{"walk":0.5,"single":0,"fusion":"score"}'::jsonb`);
    assert.deepEqual((await loadBlendWeights(db, 'generic'))?.weights, { walk: 0.5, items: 0, single: 0, fusion: 'score' }, 'a list the row does not name weighs 0');
    await db.query(`UPDATE feed_blend SET weights = '{"walk":"lots"}'::jsonb`);
    assert.equal(await loadBlendWeights(db, 'generic'), undefined);
    assert.ok(blendWeightsSchema.safeParse(DEFAULT_BLEND).success);
  } finally {
    await db.close();
  }
});
