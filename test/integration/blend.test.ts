import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  blendOf,
  blendRanking,
  blendWeightsSchema,
  DEFAULT_BLEND,
  describeBlend,
  fitBlend,
  minMax,
  MIN_VALIDATION_USERS,
  sameWeights,
  type BlendCase,
  type BlendInput,
  type BlendSource,
  type BlendWeights,
  type Scored,
} from '../../src/graph/blend.js';
import { seededRandom, shuffled } from '../../src/graph/vec.js';
import { openDb } from '../../src/store/db.js';
import { loadBlendWeights, saveBlendWeights } from '../../src/store/feed-blend.js';
import { ensureVersion } from '../../src/store/vectors.js';
import { freshDbUrl } from '../helpers/backend.js';
import { tempDir } from '../helpers/tmp.js';

const list = (ids: readonly string[], top = 1): Scored[] => ids.map((id, r) => ({ id, score: top - r / 100 }));
const input = (lists: Partial<Record<BlendSource, string[]>>): BlendInput => Object.fromEntries(Object.entries(lists).map(([s, ids]) => [s, list(ids!)]));

test('blend ranking: a source at weight 0 is left out; rank fusion sums weight / (60 + rank); each pick names the list that gave most', () => {
  const lists = input({ multi: ['a', 'b', 'c'], walk: ['x', 'c'], ease: ['e', 'a'] });
  const ids = (w: BlendWeights, k = 10) => blendRanking(lists, w, k).map((p) => p.id);
  assert.deepEqual(ids(blendOf('rank', { multi: 1 })), ['a', 'b', 'c']);
  assert.deepEqual(ids(blendOf('rank', { ease: 1 })), ['e', 'a'], 'the interests can weigh 0 too');
  const fused = blendRanking(lists, blendOf('rank', { multi: 1, walk: 1 }), 10);
  assert.deepEqual(
    fused.map((p) => p.id),
    ['c', 'a', 'x', 'b'],
    'c is in both lists; x tops the walk list',
  );
  assert.ok(Math.abs(fused[0]!.score - (1 / 63 + 1 / 62)) < 1e-12);
  assert.deepEqual(
    fused.map((p) => p.via),
    ['walk', 'multi', 'walk', 'multi'],
  );
  assert.deepEqual(ids(blendOf('rank', { multi: 1 }), 2), ['a', 'b'], 'k caps the feed');
  const from: BlendInput = { cooc: [{ id: 'y', score: 2, from: 'seed' }] };
  assert.deepEqual(
    blendRanking(from, blendOf('rank', { cooc: 1 }), 5).map((p) => [p.id, p.via, p.from]),
    [['y', 'cooc', 'seed']],
    'the voter behind a pick is kept',
  );
});

test('blend ranking: score fusion normalises each list to [0, 1] and sums the weighted parts', () => {
  assert.deepEqual(
    Object.fromEntries(
      minMax([
        { id: 'a', score: 3 },
        { id: 'b', score: 2 },
        { id: 'c', score: 1 },
      ]),
    ),
    { a: 1, b: 0.5, c: 0 },
  );
  assert.deepEqual(Object.fromEntries(minMax([{ id: 'a', score: 7 }])), { a: 1 });
  const exact: BlendInput = {
    multi: [
      { id: 'a', score: 3 },
      { id: 'b', score: 2 },
      { id: 'c', score: 1 },
    ],
    als: [
      { id: 'c', score: 10 },
      { id: 'x', score: 0 },
    ],
  };
  const scored = blendRanking(exact, blendOf('score', { multi: 1, als: 0.5 }), 10);
  assert.deepEqual(
    scored.map((p) => [p.id, p.score]),
    [
      ['a', 1],
      ['b', 0.5],
      ['c', 0.5],
      ['x', 0],
    ],
    'c: 0 + 0.5 x 1; ties by id',
  );
});

/** `n` users whose hidden items sit at ranks 25-29 of `multi` (outside a top 20), plus lists `extra` makes. */
function cases(n: number, extra: (hidden: string[], rand: () => number, u: number) => Partial<Record<BlendSource, string[]>>): BlendCase[] {
  const rand = seededRandom(11);
  return Array.from({ length: n }, (_, u) => {
    const multi = Array.from({ length: 60 }, (_, i) => `u${u}-n${i}`);
    const hidden = [...multi.slice(3, 5), ...multi.slice(25, 29)];
    return { input: input({ multi, ...extra(hidden, rand, u) }), hidden };
  });
}
const noise = (u: number, rand: () => number) => Array.from({ length: 40 }, (_, i) => `noise-${u}-${Math.floor(rand() * 1e6)}-${i}`);

test('fit: a list of pure noise gets weight 0; one holding the hidden items gets weight > 0 and the fit finds them all', () => {
  const noisy = fitBlend(
    cases(40, (_, rand, u) => ({ walk: noise(u, rand) })),
    20,
  );
  assert.equal(noisy.fitted, true);
  assert.equal(noisy.weights.weights.walk, 0, describeBlend(noisy.weights));
  assert.equal(noisy.users, 40);
  assert.ok(Math.abs(noisy.recall - 2 / 6) < 1e-12, 'only the two hidden items inside the top 20 are found');

  const useful = fitBlend(
    cases(40, (hidden, rand, u) => ({ walk: noise(u, rand), ease: shuffled([...hidden.slice(2), ...noise(u, rand).slice(0, 4)], rand) })),
    20,
  );
  assert.ok(useful.weights.weights.ease > 0, describeBlend(useful.weights));
  assert.equal(useful.weights.weights.walk, 0);
  assert.equal(useful.recall, 1);
  assert.ok(useful.trials.length > 10 && useful.trials.every((t) => Number.isFinite(t.recall)));
});

test('fit: when the interests only hold noise they go to 0 and a collaborative list alone serves; too few users keep the fallback', () => {
  const rand = seededRandom(3);
  const only: BlendCase[] = Array.from({ length: 30 }, (_, u) => {
    const hidden = [`h${u}a`, `h${u}b`];
    return { input: input({ multi: noise(u, rand), cooc: [...hidden, ...noise(u + 100, rand).slice(0, 30)] }), hidden };
  });
  const fit = fitBlend(only, 20);
  assert.equal(fit.weights.weights.multi, 0, describeBlend(fit.weights));
  assert.ok(fit.weights.weights.cooc > 0);
  assert.equal(fit.recall, 1);
  const few = fitBlend(
    cases(MIN_VALIDATION_USERS - 1, (hidden) => ({ walk: hidden })),
    20,
  );
  assert.equal(few.fitted, false);
  assert.deepEqual(few.weights, DEFAULT_BLEND);
  assert.equal(fitBlend([], 20).fitted, false);
  assert.ok(sameWeights(blendOf('rank', { multi: 1, walk: 1 }), DEFAULT_BLEND));
});

test('store: fitted weights round-trip per version; unreadable rows count as none', async () => {
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(tempDir('blend'), 'db') });
  try {
    await ensureVersion(db, { name: 'generic', kind: 'generic', encoder: 'test', dims: 4 });
    assert.equal(await loadBlendWeights(db, 'generic'), undefined);
    await saveBlendWeights(db, 'generic', blendOf('score', { walk: 0.5 }), { users: 40, k: 20, recall: 0.3, ndcg: NaN });
    await saveBlendWeights(db, 'generic', blendOf('rank', { ease: 2, cooc: 1, multi: 0.5 }), { users: 41, k: 20, recall: 0.25, ndcg: 0.125, holdout: 5 });
    const got = await loadBlendWeights(db, 'generic');
    assert.deepEqual(got?.weights, blendOf('rank', { ease: 2, cooc: 1, multi: 0.5 }));
    assert.deepEqual(got?.fit, { users: 41, k: 20, recall: 0.25, ndcg: 0.125, holdout: 5 });
    await assert.rejects(saveBlendWeights(db, 'generic', blendOf('rank', { walk: -1 }), { users: 1, k: 20, recall: null, ndcg: null }));
    await db.query(`UPDATE feed_blend SET weights = '{"fusion":"score","weights":{"walk":0.5}}'::jsonb`);
    assert.deepEqual((await loadBlendWeights(db, 'generic'))?.weights, blendOf('score', { walk: 0.5 }), 'a list the row does not name weighs 0');
    await db.query(`UPDATE feed_blend SET weights = '{"walk":0.5,"single":0,"fusion":"score"}'::jsonb`);
    assert.equal(await loadBlendWeights(db, 'generic'), undefined, 'a row of the earlier shape counts as none (defaults serve)');
    assert.equal(await loadBlendWeights(db, 'generic'), undefined);
    assert.ok(blendWeightsSchema.safeParse(DEFAULT_BLEND).success);
  } finally {
    await db.close();
  }
});
