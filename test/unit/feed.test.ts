import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FeedEngine, type VectorSource } from '../../src/graph/engine.js';
import { blendOf, type BlendWeights } from '../../src/graph/blend.js';
import { trainCollab } from '../../src/graph/collab/model.js';
import { FEED_METHODS, whyText } from '../../src/graph/feed.js';
import { dot, normalized, seededRandom } from '../../src/graph/vec.js';

/** Three labels, each a tight cone of unit vectors around its own axis, 12 items each. */
const LABELS = ['shoe', 'hat', 'bag'];
const DIMS = 8;
function catalogue(): { id: string; label: string; vec: Float32Array }[] {
  const rand = seededRandom(5);
  return LABELS.flatMap((label, l) =>
    Array.from({ length: 12 }, (_, i) => {
      const v = Float32Array.from({ length: DIMS }, (_, d) => (d === l ? 1 : 0) + 0.25 * (rand() - 0.5));
      return { id: `${label}-${String(i).padStart(2, '0')}`, label, vec: normalized(v) };
    }),
  );
}

function exactSource(items: { id: string; vec: Float32Array }[]): VectorSource {
  const byId = new Map(items.map((i) => [i.id, i.vec]));
  return {
    vector: (id) => byId.get(id),
    search: (vec, k, exclude) =>
      items
        .filter((i) => !exclude?.has(i.id))
        .map((i) => ({ id: i.id, score: dot(vec, i.vec) }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, k),
  };
}

function engine() {
  const items = catalogue();
  const e = new FeedEngine(exactSource(items), { similarK: 4 });
  items.forEach((it, i) => e.addItem(it.id, [it.label], i % 12 < 4 ? [`board-${it.label}`] : []));
  // Other users make a few items popular: hats most.
  for (let u = 0; u < 6; u++) for (const id of ['hat-00', 'hat-01', 'bag-00', 'shoe-05']) e.engage(`crowd${u}`, id, id.startsWith('hat') ? 3 : 1);
  return { e, items, label: (id: string) => id.split('-')[0]! };
}

const at = (day: number) => Date.UTC(2024, 0, 1 + day);

test('an unknown user gets popular and diverse items', () => {
  const { e, label } = engine();
  const feed = e.feed('nobody', 6);
  assert.equal(feed.mode, 'popular');
  assert.equal(feed.items.length, 6);
  assert.equal(feed.items[0]!.id, 'hat-00', 'most popular first');
  assert.deepEqual(
    feed.items
      .slice(0, 3)
      .map((i) => label(i.id))
      .sort(),
    ['bag', 'hat', 'shoe'],
    'one of each label before any repeats',
  );
  assert.equal(
    whyText(feed.items[0]!.why, (id) => id),
    'popular in hat',
  );
});

test('a user who saved only shoes gets shoes first, never what they saved, with the reason', () => {
  const { e, label } = engine();
  const saved = ['shoe-01', 'shoe-02', 'shoe-07', 'shoe-09'];
  e.buildTaste(
    'ann',
    saved.map((item, i) => ({ item, action: 'save', weight: 3, ts: at(i) })),
  );
  for (const method of FEED_METHODS.filter((m) => m !== 'popular')) {
    const feed = e.feed('ann', 10, method);
    const ids = feed.items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, `${method}: no duplicates`);
    assert.ok(!ids.some((id) => saved.includes(id)), `${method}: engaged items excluded`);
    // No events from others here: the collaborative methods have no model and fall back to popular.
    if (!['walk', 'cooc', 'ease', 'saves', 'lately', 'als', 'next', 'trending'].includes(method)) assert.deepEqual(ids.slice(0, 6).map(label), Array(6).fill('shoe'), `${method}: shoes ranked first`);
  }
  const feed = e.feed('ann', 8);
  assert.equal(feed.mode, 'personal');
  assert.ok(feed.items.filter((i) => label(i.id) === 'shoe').length >= 6);
  const texts = feed.items.map((i) => whyText(i.why, (id) => `title of ${id}`));
  assert.ok(
    texts.some((t) => /^interest 1: like title of shoe-0[1279] you saved$/.test(t) || /^via board board-shoe$/.test(t)),
    texts.join(' | '),
  );
});

test('two tastes are served side by side, weighted by engagement', () => {
  const { e, label } = engine();
  const events = [
    ...['shoe-01', 'shoe-02', 'shoe-03', 'shoe-04'].map((item, i) => ({ item, action: 'purchase', weight: 5, ts: at(i) })),
    ...['bag-01', 'bag-02', 'bag-03'].map((item, i) => ({ item, action: 'view', weight: 0.5, ts: at(i) })),
  ];
  const taste = e.buildTaste('bo', events);
  assert.equal(taste.interests().length, 2);
  const feed = e.feed('bo', 9, 'multi');
  const counts = new Map<string, number>();
  for (const i of feed.items) counts.set(label(i.id), (counts.get(label(i.id)) ?? 0) + 1);
  assert.ok((counts.get('shoe') ?? 0) > (counts.get('bag') ?? 0) && (counts.get('bag') ?? 0) >= 1, JSON.stringify([...counts]));
  assert.equal(label(feed.items[0]!.id), 'shoe');
  const bagWhy = feed.items.find((i) => label(i.id) === 'bag')!.why;
  assert.match(
    whyText(bagWhy, (id) => id),
    /^interest 2: like bag-0[123] you viewed$/,
  );
});

test('cold start with one event, and a new event changes the feed at once', () => {
  const { e, label } = engine();
  e.buildTaste('cy', [{ item: 'bag-05', action: 'click', weight: 1, ts: at(0) }]);
  const before = e.feed('cy', 5);
  assert.equal(before.items.length, 5);
  assert.ok(
    before.items.slice(0, 3).every((i) => label(i.id) === 'bag'),
    'neighbours of the one item first',
  );
  for (let i = 0; i < 4; i++) e.record({ user: 'cy', item: `hat-0${i + 4}`, action: 'purchase', weight: 5, ts: at(1 + i) });
  const after = e.feed('cy', 5);
  assert.notDeepEqual(
    after.items.map((i) => i.id),
    before.items.map((i) => i.id),
  );
  assert.equal(label(after.items[0]!.id), 'hat', 'the heavier, newer taste leads');
  assert.ok(!after.items.some((i) => ['hat-04', 'hat-05', 'hat-06', 'hat-07'].includes(i.id)));
});

test('walks explain themselves through boards and people', () => {
  const { e } = engine();
  e.buildTaste('di', [{ item: 'hat-00', action: 'save', weight: 3, ts: at(0) }]);
  e.engage('di', 'hat-00', 3);
  const texts = e.feed('di', 12, 'walk').items.map((i) => whyText(i.why, (id) => id));
  assert.ok(texts.includes('via board board-hat'), texts.join(' | '));
  assert.ok(
    texts.some((t) => t === 'people who engaged with hat-00 also engaged with this'),
    texts.join(' | '),
  );
});

test('the blend follows the engine weights: the interests alone are multi-interest, heavy walks change it; the fit sees every source', () => {
  const { items } = engine();
  const events = [
    ...['shoe-01', 'shoe-02', 'shoe-03'].map((item, i) => ({ item, action: 'save', weight: 3, ts: at(i) })),
    ...['hat-01', 'hat-02'].map((item, i) => ({ item, action: 'view', weight: 0.5, ts: at(5 + i) })),
  ];
  const feedWith = (blend: BlendWeights) => {
    const e = new FeedEngine(exactSource(items), { similarK: 4, blend });
    items.forEach((it, i) => e.addItem(it.id, [it.label], i % 12 < 4 ? [`board-${it.label}`] : []));
    e.buildTaste('eve', events);
    return { e, ids: e.feed('eve', 10).items.map((i) => i.id) };
  };
  const off = feedWith(blendOf('score', { multi: 1 }));
  assert.deepEqual(
    off.ids,
    off.e.feed('eve', 10, 'multi').items.map((i) => i.id),
  );
  const input = off.e.blendInput('eve', 10)!;
  assert.ok(input.multi!.length > 0 && input.walk!.length > 0 && input.items!.length > 0 && input.single!.length > 0 && input.popular!.length > 0, 'the fit sees every source');
  assert.ok(
    input.items!.every((s) => s.from && events.some((e) => e.item === s.from) && !events.some((e) => e.item === s.id)),
    'item neighbours name a voter, never an engaged item',
  );
  const heavy = feedWith(blendOf('rank', { multi: 1, walk: 4 }));
  assert.notDeepEqual(heavy.ids, off.ids, 'walk finds change the feed');
  assert.equal(off.e.blendInput('nobody', 10), undefined);
});

test("collaborative sources: with a model trained on the crowd, a user who saved what the crowd saved gets the crowd's other items, explained", () => {
  const { items } = engine();
  const e = new FeedEngine(exactSource(items), { similarK: 4, blend: blendOf('rank', { cooc: 1, ease: 1, als: 1, next: 1 }), freshEvery: 5 });
  items.forEach((it) => e.addItem(it.id, [it.label], []));
  // Twenty people each save a shoe, then the same bag: a pairing no photo shows.
  const crowd = Array.from({ length: 20 }, (_, u) => [
    { user: `c${u}`, item: `shoe-${String(u % 6).padStart(2, '0')}`, action: 'save', weight: 3, ts: at(u) },
    { user: `c${u}`, item: 'bag-07', action: 'save', weight: 3, ts: at(u) + 60_000 },
    { user: `c${u}`, item: `hat-${String(u % 5).padStart(2, '0')}`, action: 'view', weight: 0.5, ts: at(u) + 120_000 },
  ]).flat();
  for (const ev of crowd) e.engage(ev.user, ev.item, ev.weight);
  e.collab = trainCollab(crowd);
  assert.ok(e.collab, 'enough events for a model');
  e.buildTaste('fay', [{ item: 'shoe-02', action: 'save', weight: 3, ts: at(30) }]);
  for (const method of ['cooc', 'ease', 'next', 'blend'] as const) {
    const feed = e.feed('fay', 5, method);
    assert.equal(feed.items[0]!.id, 'bag-07', `${method}: ${feed.items.map((i) => i.id).join(',')}`);
    assert.ok(!feed.items.some((i) => i.id === 'shoe-02'));
  }
  // Nobody engaged with shoes 06-11: the fifth slot of the blend still brings one, found by its look.
  const blended = e.feed('fay', 5).items;
  assert.match(blended[4]!.id, /^shoe-(0[6-9]|1[01])$/, blended.map((i) => i.id).join(','));
  assert.equal(
    whyText(blended[4]!.why, (id) => id),
    'interest 1: like shoe-02 you saved',
  );
  assert.ok(!e.feed('fay', 5, 'cooc').items.some((i) => /^shoe-(0[6-9]|1[01])$/.test(i.id)), 'the collaborative lists alone never reach them');
  const why = whyText(e.feed('fay', 5, 'cooc').items[0]!.why, (id) => id);
  assert.equal(why, 'people who engaged with shoe-02 also engaged with this');
  assert.match(
    whyText(e.feed('fay', 5, 'next').items[0]!.why, (id) => id),
    /^people often go on to this after shoe-02$/,
  );
  assert.ok(
    e.feed('fay', 5, 'als').items.some((i) => i.id === 'bag-07'),
    "ALS ranks the crowd's bag high too",
  );
  // A new event changes the profile at once: saving the bag drops it and brings the crowd's hats.
  e.record({ user: 'fay', item: 'bag-07', action: 'save', weight: 3, ts: at(31) });
  const after = e.feed('fay', 5, 'next').items.map((i) => i.id);
  assert.ok(!after.includes('bag-07') && after[0]!.startsWith('hat-'), after.join(','));
});
