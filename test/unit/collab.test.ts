import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldInUser, alsScores, trainAls, DEFAULT_ALS } from '../../src/graph/collab/als.js';
import { trainCooccur, DEFAULT_COOCCUR } from '../../src/graph/collab/cooccur.js';
import { DEFAULT_EASE, easeScores, invertSpd, trainEase } from '../../src/graph/collab/ease.js';
import { engagementMatrix, topIndices } from '../../src/graph/collab/matrix.js';
import { collabLists, trainCollab } from '../../src/graph/collab/model.js';
import { packEvents, trainCollabOffThread, unpackEvents } from '../../src/graph/io/collab-thread.js';
import { leaveLastPositiveOut, sequencePairs, testSlices, trainablePrefix } from '../../src/graph/evaluate.js';
import { generateRaters } from '../../src/graph/synth/raters.js';
import { generateShoppers } from '../../src/graph/synth/shoppers.js';
import { seededRandom } from '../../src/graph/vec.js';

const ev = (user: string, item: string, ts = 0, weight = 1) => ({ user, item, weight, ts });

/** 40 users, each six engagements among eight items of one side, a or b, never both. */
function twoTastes(seed: number) {
  const rand = seededRandom(seed);
  return Array.from({ length: 40 }, (_, u) => {
    const side = u % 2 ? 'a' : 'b';
    return Array.from({ length: 6 }, (_, i) => ev(`u${u}`, `${side}${Math.floor(rand() * 8)}`, u * 100 + i));
  }).flat();
}

test('matrix: events summed per (user, item), rows both ways; top-k with exclusions', () => {
  const m = engagementMatrix([ev('u', 'a', 1), ev('u', 'a', 5, 3), ev('u', 'b', 2), ev('v', 'b', 3), ev('v', 'x', 4, 0)]);
  assert.deepEqual(m.users, ['u', 'v']);
  assert.deepEqual(m.items, ['a', 'b'], 'a zero-weight event is dropped');
  assert.deepEqual([...m.byUser.ptr], [0, 2, 3]);
  assert.deepEqual([...m.byUser.val], [4, 1, 1]);
  assert.deepEqual([...m.lastTs], [5, 2, 3]);
  assert.deepEqual([...m.byItem.ptr], [0, 1, 3]);
  assert.deepEqual([...m.byItem.col], [0, 0, 1]);
  assert.deepEqual(topIndices([0.1, 0.9, NaN, 0.5, 0.7], 2), [
    { index: 1, score: 0.9 },
    { index: 4, score: 0.7 },
  ]);
  assert.deepEqual(
    topIndices([0.1, 0.9, 0.5], 5, (i) => i === 1).map((t) => t.index),
    [2, 0],
  );
});

test('EASE: the inverse is exact; items bought together score each other; the diagonal is zero', () => {
  const rand = seededRandom(2);
  const n = 6;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = i === j ? n : rand() * 0.5;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
  const inv = Float64Array.from(a);
  invertSpd(inv, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += a[i * n + t]! * inv[t * n + j]!;
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9, `A·A⁻¹ at ${i},${j} = ${s}`);
    }
  }
  const events = Array.from({ length: 30 }, (_, u) => [ev(`u${u}`, u % 2 ? 'sofa' : 'bed'), ev(`u${u}`, u % 2 ? 'table' : 'lamp')]).flat();
  const m = engagementMatrix(events);
  const ease = trainEase(m, { ...DEFAULT_EASE, lambda: 0.5, maxItems: 10 });
  const w = (i: string, j: string) => ease.weights[ease.row.get(m.itemIndex.get(i)!)! * ease.items.length + ease.row.get(m.itemIndex.get(j)!)!]!;
  assert.ok(w('sofa', 'table') > 0.3 && w('bed', 'lamp') > 0.3);
  assert.ok(Math.abs(w('sofa', 'lamp')) < 1e-6 && w('sofa', 'sofa') === 0);
  assert.equal(trainEase(m, { ...DEFAULT_EASE, lambda: 0.5, maxItems: 2 }).items.length, 2, 'only the most engaged items are covered');
});

test('EASE for saves: an item people view but never save scores below one they save; equal to plain EASE when every engagement is positive', () => {
  const rand = seededRandom(9);
  // Everyone who has a or b goes on to c and d; c is saved, d only viewed.
  const events = Array.from({ length: 60 }, (_, u) => {
    const user = `u${u}`;
    const first = u % 2 ? 'a' : 'b';
    const out = [ev(user, first, 1, 3), ev(user, 'c', 2, 3), ev(user, 'd', 3, 0.5)];
    if (rand() < 0.5) out.push(ev(user, `x${Math.floor(rand() * 5)}`, 4, 3));
    return out;
  }).flat();
  const m = engagementMatrix(events);
  const model = trainEase(m, DEFAULT_EASE);
  const w = (weights: Float32Array, i: string, j: string) => weights[model.row.get(m.itemIndex.get(i)!)! * model.items.length + model.row.get(m.itemIndex.get(j)!)!]!;
  assert.ok(Math.abs(w(model.weights, 'a', 'c') - w(model.weights, 'a', 'd')) < 0.05, 'plain EASE: c and d are engaged with alike');
  assert.ok(w(model.positive, 'a', 'c') > w(model.positive, 'a', 'd') + 0.1, `for saves: c ${w(model.positive, 'a', 'c')} vs d ${w(model.positive, 'a', 'd')}`);
  const profile = [{ item: m.itemIndex.get('a')!, weight: 1 }];
  const ranked = (target: 'engaged' | 'positive') => topIndices(easeScores(model, profile, target), 2).map((t) => m.items[model.items[t.index]!]);
  assert.equal(ranked('positive')[0], 'c');
  // The closed form, worked out the long way: B = P·XᵀY - P·diag(γ), γ_j = (P·XᵀY)_jj / P_jj.
  const n = model.items.length;
  const x = (u: number, r: number) => {
    const p = [...m.byUser.col.subarray(m.byUser.ptr[u]!, m.byUser.ptr[u + 1]!)].indexOf(model.items[r]!);
    return p < 0 ? 0 : m.byUser.val[m.byUser.ptr[u]! + p]!;
  };
  const gram = new Float64Array(n * n);
  const xty = new Float64Array(n * n);
  for (let u = 0; u < m.users.length; u++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const [xi, xj] = [x(u, i) > 0 ? 1 : 0, x(u, j) > 0 ? 1 : 0];
        gram[i * n + j]! += xi * xj;
        xty[i * n + j]! += xi * (x(u, j) >= 1 ? 1 : 0);
      }
    }
  }
  let diag = 0;
  for (let i = 0; i < n; i++) diag += gram[i * n + i]!;
  for (let i = 0; i < n; i++) gram[i * n + i]! += DEFAULT_EASE.lambda * (diag / n);
  invertSpd(gram, n);
  const q = (i: number, j: number) => {
    let s = 0;
    for (let t = 0; t < n; t++) s += gram[i * n + t]! * xty[t * n + j]!;
    return s;
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const want = i === j ? 0 : q(i, j) - (gram[i * n + j]! * q(j, j)) / gram[j * n + j]!;
      assert.ok(Math.abs(model.positive[i * n + j]! - want) < 1e-5, `saves weight ${i},${j}: ${model.positive[i * n + j]} vs ${want}`);
    }
  }
  const allPositive = trainEase(engagementMatrix(events.map((e) => ({ ...e, weight: Math.max(e.weight, 1) }))), DEFAULT_EASE);
  assert.equal(allPositive.positive, allPositive.weights, 'with no view, the saves model is plain EASE');
});

test('ALS, item-kNN and transitions: two tastes with no overlap are learned apart; folding a user in follows their profile', () => {
  const events = twoTastes(4);
  const m = engagementMatrix(events);
  const als = trainAls(m, { ...DEFAULT_ALS, factors: 8, iterations: 8 });
  const scores = new Float32Array(m.items.length);
  alsScores(
    als,
    foldInUser(als, [
      { item: m.itemIndex.get('a1')!, weight: 1 },
      { item: m.itemIndex.get('a2')!, weight: 1 },
    ]),
    scores,
  );
  const best = topIndices(scores, 6).map((t) => m.items[t.index]!);
  assert.ok(
    best.every((id) => id.startsWith('a')),
    best.join(','),
  );
  const cooc = trainCooccur(m, DEFAULT_COOCCUR);
  const a0 = m.itemIndex.get('a0')!;
  const neighbours = [...cooc.col.subarray(cooc.ptr[a0]!, cooc.ptr[a0 + 1]!)].map((j) => m.items[j]!);
  assert.ok(neighbours.length > 0 && neighbours.every((id) => id.startsWith('a') && id !== 'a0'), neighbours.join(','));
  const model = trainCollab(events)!;
  const lists = collabLists(model, [{ item: 'b3', total: 1, recent: 1, ts: 1 }], 5);
  assert.ok(lists.trending.length > 0, 'what was popular lately, whatever the taste');
  for (const [source, list] of Object.entries(lists).filter(([s]) => s !== 'trending')) {
    assert.ok(list.length > 0, source);
    assert.ok(
      list.every((p) => p.id.startsWith('b') && p.id !== 'b3'),
      `${source}: ${list.map((p) => p.id).join(',')}`,
    );
  }
  assert.deepEqual(collabLists(model, [{ item: 'unknown', total: 1, recent: 1, ts: 1 }], 5), { cooc: [], ease: [], saves: [], lately: [], als: [], next: [], trending: [] });
  assert.equal(trainCollab(events.slice(0, 5)), undefined, 'too few events: no model');
});

test('lately: the saves model read from the latest engagements follows a user whose taste just moved', () => {
  const events = twoTastes(5);
  const model = trainCollab(events)!;
  // Six older engagements on side a, then the four newest on side b.
  const profile = [
    ...['a0', 'a1', 'a2', 'a3', 'a4', 'a5'].map((item, i) => ({ item, total: 1, recent: 1, ts: i })),
    ...['b0', 'b1', 'b2', 'b3'].map((item, i) => ({ item, total: 1, recent: 1, ts: 10 + i })),
  ];
  const lists = collabLists(model, profile, 2, new Set(['saves', 'lately'] as const));
  assert.ok(lists.saves[0]?.id.startsWith('a'), `saves weighs the whole history: ${lists.saves.map((p) => p.id).join(',')}`);
  assert.ok(lists.lately[0]?.id.startsWith('b'), `lately follows the latest: ${lists.lately.map((p) => p.id).join(',')}`);
  assert.ok(lists.lately[0]!.from!.startsWith('b'), 'explained by one of the latest');
});

test('last-positive hold-out: the last saves and everything after are hidden; slices split heavy, light and cold', () => {
  const events = [
    { user: 'u', item: 'a', action: 'save', weight: 3, ts: 1 },
    { user: 'u', item: 'b', action: 'view', weight: 0.5, ts: 2 },
    { user: 'u', item: 'c', action: 'save', weight: 3, ts: 3 },
    { user: 'u', item: 'd', action: 'save', weight: 3, ts: 4 },
    { user: 'u', item: 'e', action: 'view', weight: 0.5, ts: 5 },
    { user: 'u', item: 'f', action: 'save', weight: 3, ts: 6 },
    { user: 'v', item: 'a', action: 'save', weight: 3, ts: 1 },
    { user: 'v', item: 'c', action: 'save', weight: 3, ts: 2 },
  ];
  const split = leaveLastPositiveOut(events, 2);
  assert.deepEqual(split.test.get('u'), ['d', 'f'], 'two of four saves (at most half); the view between them is hidden too');
  assert.deepEqual(
    split.train.filter((e) => e.user === 'u').map((e) => e.item),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(split.test.get('v'), ['c']);
  const slices = testSlices(split);
  assert.deepEqual([...slices.heavy.keys()], ['u']);
  assert.deepEqual([...slices.light.keys()], ['v']);
  assert.deepEqual(slices.cold.get('u'), ['d', 'f'], 'nobody engaged with d or f in training');
  assert.equal(slices.cold.has('v'), false, 'c was engaged with by u in training');
});

test('synthetic shoppers: seeded, time-ordered, skewed; communities no photo shows make co-engagement informative', () => {
  const items = Array.from({ length: 120 }, (_, i) => ({ id: `it${i}`, labels: [`l${i % 6}`] }));
  const a = generateShoppers(items, undefined, { people: 60, seed: 3 });
  const b = generateShoppers(items, undefined, { people: 60, seed: 3 });
  assert.deepEqual(a, b, 'same seed, same events');
  assert.notDeepEqual(generateShoppers(items, undefined, { people: 60, seed: 4 }), a);
  assert.ok(a.length > 60 * 5);
  assert.ok(a.every((e, i) => i === 0 || a[i - 1]!.ts <= e.ts));
  const counts = new Map<string, number>();
  for (const e of a) counts.set(e.item, (counts.get(e.item) ?? 0) + 1);
  const sorted = [...counts.values()].sort((x, y) => y - x);
  assert.ok(sorted[0]! > 2 * sorted[Math.floor(sorted.length / 2)]!, `popularity is skewed: ${sorted[0]} vs median ${sorted[Math.floor(sorted.length / 2)]}`);
  assert.ok(new Set(a.map((e) => e.action)).size >= 3);
  // Per user, distinct items never repeat.
  const seen = new Set<string>();
  for (const e of a) {
    assert.ok(!seen.has(`${e.user}|${e.item}`));
    seen.add(`${e.user}|${e.item}`);
  }
});

test('synthetic raters: seeded; saves and views in the set share; everyone rates at least the minimum; hidden genre tastes make EASE beat popularity', () => {
  const ids = Array.from({ length: 400 }, (_, i) => `m${i}`);
  const opts = { people: 150, items: 200, medianRatings: 30, taste: 3, seed: 5 };
  const a = generateRaters(ids, opts);
  assert.deepEqual(generateRaters(ids, opts), a, 'same seed, same events');
  assert.notDeepEqual(generateRaters(ids, { ...opts, seed: 6 }), a);
  assert.equal(new Set(a.map((e) => e.item)).size <= 200, true, 'only the rated subset');
  const perUser = new Map<string, number>();
  for (const e of a) perUser.set(e.user, (perUser.get(e.user) ?? 0) + 1);
  assert.equal(perUser.size, 150);
  assert.ok(Math.min(...perUser.values()) >= 20);
  const saves = a.filter((e) => e.action === 'save').length / a.length;
  assert.ok(Math.abs(saves - 0.55) < 0.01, `save share ${saves}`);
  assert.ok(a.every((e, i) => i === 0 || a[i - 1]!.ts <= e.ts));

  // Hidden tastes, not just fame: EASE on the training events finds more of each person's last saves than popularity.
  const split = leaveLastPositiveOut(a, 5);
  const model = trainCollab(split.train)!;
  const popular = [...new Map(split.train.map((e) => [e.item, 0])).keys()];
  const count = new Map<string, number>();
  for (const e of split.train) count.set(e.item, (count.get(e.item) ?? 0) + 1);
  popular.sort((x, y) => count.get(y)! - count.get(x)!);
  let easeHits = 0;
  let popularHits = 0;
  for (const [user, hidden] of split.test) {
    const mine = split.train.filter((e) => e.user === user);
    const seen = new Set(mine.map((e) => e.item));
    const profile = [...seen].map((item) => ({ item, total: 1, recent: 1, ts: 0 }));
    const want = new Set(hidden);
    easeHits += collabLists(model, profile, 10, new Set(['ease'])).ease.filter((p) => want.has(p.id)).length;
    popularHits += popular
      .filter((id) => !seen.has(id))
      .slice(0, 10)
      .filter((id) => want.has(id)).length;
  }
  assert.ok(easeHits > 1.2 * popularHits, `EASE ${easeHits} vs popularity ${popularHits} hidden saves in the top 10`);
});

test('synthetic raters with drift: where liked genres move, `lately` finds more of the last saves than `saves`; where they hold, less', () => {
  const ids = Array.from({ length: 400 }, (_, i) => `m${i}`);
  const hits = (drift: number) => {
    const events = generateRaters(ids, { people: 150, items: 200, medianRatings: 40, taste: 10, seed: 5, drift });
    const split = leaveLastPositiveOut(events, 5);
    const model = trainCollab(split.train)!;
    const found = { saves: 0, lately: 0 };
    for (const [user, hidden] of split.test) {
      const latest = new Map<string, number>();
      for (const e of split.train) if (e.user === user) latest.set(e.item, Math.max(latest.get(e.item) ?? 0, e.ts));
      const profile = [...latest].map(([item, ts]) => ({ item, total: 1, recent: 1, ts }));
      const lists = collabLists(model, profile, 10, new Set(['saves', 'lately'] as const));
      const want = new Set(hidden);
      for (const s of ['saves', 'lately'] as const) found[s] += lists[s].filter((p) => want.has(p.id)).length;
    }
    return found;
  };
  const still = hits(0);
  const moving = hits(0.3);
  assert.ok(still.saves > still.lately, `tastes hold: saves ${still.saves} vs lately ${still.lately}`);
  assert.ok(moving.lately > moving.saves, `tastes move: lately ${moving.lately} vs saves ${moving.saves}`);
});

test('no leakage: an embedding trains only on the prefix that both hold-out protocols keep', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  // Saves at a, c, e, g; views elsewhere. last-items (k=2) keeps 6; last-positive (k=2) cuts at e: keeps 4.
  const weights = [3, 0.5, 3, 0.5, 3, 0.5, 3, 0.5];
  assert.equal(trainablePrefix(items, weights, 2), 4);
  assert.equal(
    trainablePrefix(
      items,
      weights.map(() => 3),
      2,
    ),
    6,
  );
  assert.equal(trainablePrefix(['a', 'b'], [3, 3], 5), 1, 'at most half hidden');
  const cut = trainablePrefix(items, weights, 2);
  const split = leaveLastPositiveOut(
    items.map((item, i) => ({ user: 'u', item, action: 'x', weight: weights[i]!, ts: i })),
    2,
  );
  const hidden = new Set(split.test.get('u'));
  assert.ok(items.slice(0, cut).every((id) => !hidden.has(id)));
  assert.deepEqual(sequencePairs([['a', 'b', 'c']], 1), [
    ['a', 'b'],
    ['b', 'c'],
  ]);
});

test('training in a worker thread gives the very model trained here; packing keeps every event', async () => {
  const items = Array.from({ length: 60 }, (_, i) => ({ id: `item-${i}`, labels: [`l${i % 6}`] }));
  const events = generateShoppers(items, undefined, { people: 80, seed: 3 });
  const packed = packEvents(events);
  assert.deepEqual(
    [...unpackEvents(packed)],
    events.map((e) => ({ user: e.user, item: e.item, weight: e.weight, ts: e.ts })),
  );
  const here = trainCollab(events)!;
  const there = (await trainCollabOffThread(events))!;
  assert.deepEqual(there.items, here.items);
  assert.deepEqual([...there.itemIndex], [...here.itemIndex]);
  assert.deepEqual(there.ease.weights, here.ease.weights);
  assert.deepEqual(there.als.itemFactors, here.als.itemFactors);
  assert.deepEqual(there.cooc, here.cooc);
  const profile = [{ item: events[0]!.item, total: 3, recent: 1, ts: events[0]!.ts }];
  assert.deepEqual(collabLists(there, profile, 10), collabLists(here, profile, 10));
});
