import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGoesWith } from '../../src/complete/evaluate.js';
import { GoesWithModel } from '../../src/complete/model.js';
import { addTogether, applyStep, centredColours, groupRecall, LabelPrior, STEP_GRID, togetherCounts, topK, tuneStep, TOGETHER_WEIGHT } from '../../src/complete/score.js';
import { colourHistogram } from '../../src/vision/colour.js';
import { groupMembers, groupQueries, holdOutGroups } from '../../src/complete/split.js';
import { trainGoesWith, type CompleteItem } from '../../src/complete/train.js';
import { Rng } from '../../src/embedding/random.js';
import { denseProduct } from '../../src/embedding/tf.js';
import { tempDir } from '../helpers/tmp.js';

test('label prior counts groups where labels meet; the candidate step favours other labels', () => {
  const prior = LabelPrior.fit([
    [['skirt'], ['blouse'], ['shoes']],
    [['skirt'], ['blouse']],
    [['jeans'], ['shoes'], ['shoes']],
  ]);
  assert.equal(prior.count('skirt', 'blouse'), 2);
  assert.equal(prior.count('blouse', 'skirt'), 2);
  assert.equal(prior.count('shoes', 'shoes'), 1, 'two members with the same label');
  assert.equal(prior.count('skirt', 'jeans'), 0);
  assert.ok(prior.logProb(['skirt'], ['blouse']) > prior.logProb(['skirt'], ['shoes']));
  assert.equal(prior.logProb([], ['blouse']), 0, 'no label, no prior');
  const round = new LabelPrior(JSON.parse(JSON.stringify(prior.json)));
  assert.equal(round.count('skirt', 'blouse'), 2);

  const scores = applyStep(new Float32Array([0.9, 0.8, 0.7]), ['skirt'], [['skirt'], ['blouse'], []], { sameLabelPenalty: 0.5, priorWeight: 0, genericWeight: 0 }, prior);
  assert.deepEqual(
    [...scores].map((x) => +x.toFixed(4)),
    [0.4, 0.8, 0.7],
  );
  assert.deepEqual(topK(scores, 2), [1, 2]);
  assert.deepEqual(topK(new Float32Array([3, 1, 2, 5]), 3, new Set([3])), [0, 2, 1], 'the excluded query never comes back');
});

test('held-out groups depend on (seed, group) only; recall counts group-mates over min(k, mates)', () => {
  const items = Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, labels: [`l${i % 3}`], groups: [`g${Math.floor(i / 3)}`] }));
  const a = holdOutGroups(items, 7, 0.3);
  const b = holdOutGroups([...items].reverse(), 7, 0.3);
  assert.deepEqual([...a.heldOutGroups].sort(), [...b.heldOutGroups].sort());
  assert.ok(a.heldOutGroups.length > 0 && a.heldOutGroups.length < 20);
  assert.notDeepEqual(holdOutGroups(items, 8, 0.3).heldOutGroups, a.heldOutGroups);
  for (const g of a.heldOutGroups) for (const it of items.filter((x) => x.groups.includes(g))) assert.ok(a.hidden.has(it.id));

  const queries = groupQueries(groupMembers(items, (g) => g === 'g0'));
  assert.deepEqual(queries, [
    { index: 0, mates: [1, 2] },
    { index: 1, mates: [0, 2] },
    { index: 2, mates: [0, 1] },
  ]);
  // Query 0 finds both mates, 1 finds one of two, 2 none: (1 + 0.5 + 0) / 3.
  const table: Record<number, number[]> = { 0: [1, 2], 1: [0, 5], 2: [7, 8] };
  const r = groupRecall({ labels: items.map((it) => it.labels), queries, k: 2, scores: (q) => new Float32Array(60).map((_, j) => (table[q]!.includes(j) ? 1 : 0) - j * 1e-4) });
  assert.equal(r.queries, 3);
  assert.ok(Math.abs(r.recall - 0.5) < 1e-9);
});

test('seen together: items sharing a visible group with the query rank first; a held-out group never counts', () => {
  // Rooms photographed twice: r<n>a is visible, r<n>b (the same products, another angle) is held out.
  const items = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, labels: [`l${i % 4}`], groups: [`r${Math.floor(i / 4)}a`, `r${Math.floor(i / 4)}b`] }));
  const held = new Set(items.flatMap((it) => it.groups).filter((g) => g.endsWith('b')));
  const groupsOf = items.map((it) => it.groups);
  const visible = groupMembers(items, (g) => !held.has(g));
  assert.deepEqual([...togetherCounts(5, groupsOf, visible)].sort(), [
    [4, 1],
    [6, 1],
    [7, 1],
  ]);
  assert.equal(
    togetherCounts(
      5,
      groupsOf,
      groupMembers(items, (g) => g === 'r1b'),
    ).get(4),
    1,
    'only the groups handed in count',
  );
  const scores = addTogether(new Float32Array([0.9, 0.1, 0.2]), new Map([[1, 2]]));
  assert.ok(Math.abs(scores[1]! - (0.1 + 2 * TOGETHER_WEIGHT)) < 1e-5);

  const queries = groupQueries(groupMembers(items, (g) => held.has(g)));
  const labels = items.map((it) => it.labels);
  const noise = (q: number) => new Float32Array(40).map((_, j) => Math.sin(q * 13 + j * 7));
  const without = groupRecall({ labels, queries, scores: noise }).recall;
  const withTogether = groupRecall({ labels, queries, scores: noise, together: (q) => togetherCounts(q, groupsOf, visible) }).recall;
  assert.equal(withTogether, 1);
  assert.ok(without < 0.5, `${without}`);
  // Where each item has one group, a held-out item has no visible group: nothing changes.
  const single = items.map((it) => ({ ...it, groups: [it.groups[1]!] }));
  const none = groupMembers(single, (g) => !held.has(g));
  assert.equal(
    groupRecall({
      labels,
      queries,
      scores: noise,
      together: (q) =>
        togetherCounts(
          q,
          single.map((it) => it.groups),
          none,
        ),
    }).recall,
    without,
  );
});

test('goes-with learns an asymmetric "belongs together" that cosine similarity cannot see', async () => {
  // Each group: a top t and shoes s = normalise(M t + noise) for one fixed random M: t and s look
  // unrelated (cosine ~ 0), yet which shoes go with which top is fully learnable.
  const d = 16;
  const rng = new Rng(3);
  const m = Array.from({ length: d * d }, () => rng.normal());
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / n);
  };
  const items: CompleteItem[] = [];
  for (let g = 0; g < 150; g++) {
    const t = Array.from({ length: d }, () => rng.normal());
    const s = Array.from({ length: d }, (_, i) => t.reduce((acc, x, j) => acc + m[i * d + j]! * x, 0) + 0.3 * rng.normal());
    items.push({ id: `t${g}`, features: unit(t), labels: ['top'], groups: [`g${g}`] });
    items.push({ id: `s${g}`, features: unit(s), labels: ['shoes'], groups: [`g${g}`] });
  }
  const split = holdOutGroups(items, 1, 0.3);
  const { model, report } = await trainGoesWith(
    { items, hidden: split.hidden, split: { seed: 1, fraction: 0.3, heldOutGroups: [...split.heldOutGroups] } },
    { seed: 1, dims: 16, batchSize: 64, stepsPerEpoch: 30, maxEpochs: 12, patience: 4, featurePower: 1 },
  );
  assert.ok(report.devRecall > report.devRecallStart, `dev recall improves (${report.devRecallStart} -> ${report.devRecall})`);
  const ev = (await evaluateGoesWith(model, items))!;
  assert.ok(ev.queries > 0);
  assert.ok(ev.goesWith > 0.3 && ev.goesWith > 3 * ev.generic, `goes-with ${ev.goesWith} vs generic ${ev.generic}`);

  const dir = tempDir('complete-model');
  await model.save(dir);
  const loaded = await GoesWithModel.load(dir);
  const [p, q] = [model.project(items[0]!.features), loaded.project(items[0]!.features)];
  assert.ok(
    q.f.every((x, i) => Math.abs(x - p.f[i]!) < 1e-5),
    'saved and loaded models project alike (the scale is stored as float32)',
  );
  assert.deepEqual(loaded.step, model.step);
  // Evaluation projects on tfjs's kernels: the same vectors as the JavaScript path serving uses.
  const many = model.projectMany(
    items.map((it) => it.features),
    denseProduct,
  );
  const js = items.map((it) => model.project(it.features));
  const dims = js[0]!.f.length;
  const worst = Math.max(...js.flatMap((v, i) => [...v.f.map((x, d) => Math.abs(x - many.f[i * dims + d]!)), ...v.g.map((x, d) => Math.abs(x - many.g[i * dims + d]!))]));
  assert.ok(worst < 1e-5, `largest difference ${worst}`);

  const tuned = tuneStep({
    labels: items.map((it) => it.labels),
    queries: groupQueries(groupMembers(items, (g) => g === 'g0' || g === 'g1')),
    scores: () => new Float32Array(items.length),
    prior: model.prior,
  });
  assert.ok(tuned.recall >= tuned.none, 'the tuned step is never worse than none on the data it was tuned on');
});

test('colour vectors: square roots of bin shares, centred on the catalogue; the tuned step weighs them where they find group-mates', () => {
  // Two red pixels and two blue ones (RGB), then one alpha channel more.
  const h = colourHistogram(Uint8Array.from([255, 0, 0, 250, 10, 5, 0, 0, 255, 3, 2, 200]), 3);
  assert.equal(h.length, 64);
  assert.ok(Math.abs(h[48]! - Math.SQRT1_2) < 1e-6 && Math.abs(h[3]! - Math.SQRT1_2) < 1e-6, 'red bin 48, blue bin 3');
  assert.equal(h.reduce((a, b) => a + b, 0).toFixed(4), (2 * Math.SQRT1_2).toFixed(4));
  const rgba = colourHistogram(Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255]), 4);
  assert.ok(Math.abs(rgba[48]! - Math.SQRT1_2) < 1e-6 && Math.abs(rgba[3]! - Math.SQRT1_2) < 1e-6);

  const [a, b, none, c] = centredColours([Float32Array.from([1, 0, 0]), Float32Array.from([0, 1, 0]), undefined, Float32Array.from([0, 1, 0])]);
  assert.deepEqual([...none!], [0, 0, 0], 'no photo, no colour');
  for (const v of [a!, b!]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6);
  assert.ok(a![0]! > 0 && a![1]! < 0, 'the mean (1/3, 2/3, 0) is taken out');
  assert.deepEqual([...b!], [...c!]);

  // Six items in three pairs; the base scores know nothing, the colours know the pairs.
  const labels = Array.from({ length: 6 }, () => ['x']);
  const queries = [0, 1, 2, 3, 4, 5].map((i) => ({ index: i, mates: [i ^ 1] }));
  const colour = (i: number) => Float32Array.from({ length: 6 }, (_, j) => (j >> 1 === i >> 1 ? 1 : 0));
  const tuned = tuneStep({ labels, queries, scores: () => new Float32Array(6), colour, k: 1 });
  assert.ok(tuned.step.colourWeight > 0, JSON.stringify(tuned.step));
  assert.equal(tuned.recall, 1);
  const without = tuneStep({ labels, queries, scores: () => new Float32Array(6), k: 1 });
  assert.equal(without.step.colourWeight, 0, 'no colours, no colour weight');
});

/** A seeded grid-tuning input: random base, generic and colour scores (rounded to 1/8 when `round`, so ties are common), labels, groups and a prior. */
function gridInput(o: {
  seed: number;
  m: number;
  kinds: string[];
  queries: number;
  stride: number;
  mateAt: [number, number, number];
  groupsOf: (i: number) => string[];
  priorCuts: number[];
  k: number;
  round?: boolean;
}) {
  const rng = new Rng(o.seed);
  const { m, kinds } = o;
  const labels = Array.from({ length: m }, (_, i) => (kinds[i % kinds.length] ? [kinds[i % kinds.length]!] : []));
  const queries = Array.from({ length: o.queries }, (_, q) => {
    const index = q * o.stride;
    return { index, mates: [index + o.mateAt[0], index + o.mateAt[1], (q * o.mateAt[2]) % m].filter((j) => j !== index) };
  });
  const draw = (salt: number) => (o.round ? Math.round(rng.normal() * salt * 8) / 8 : rng.normal() * salt);
  const table = (salt: number) => Array.from({ length: m }, () => Float32Array.from({ length: m }, () => draw(salt)));
  const [base, generic, colour] = [table(1), table(0.5), table(0.3)];
  const groupsOf = Array.from({ length: m }, (_, i) => o.groupsOf(i));
  const members = new Map([...new Set(groupsOf.flat())].map((g) => [g, groupsOf.flatMap((gs, i) => (gs.includes(g) ? [i] : []))]));
  const prior = LabelPrior.fit(o.priorCuts.slice(1).map((end, c) => labels.slice(o.priorCuts[c]!, end)));
  return {
    labels,
    queries,
    scores: (i: number) => new Float32Array(base[i]!),
    generic: (i: number) => new Float32Array(generic[i]!),
    colour: (i: number) => new Float32Array(colour[i]!),
    together: (i: number) => togetherCounts(i, groupsOf, members),
    prior,
    k: o.k,
  };
}

test('tuneStep scores every grid point as groupRecall does (one fused pass per query)', () => {
  const input = gridInput({
    seed: 7,
    m: 60,
    kinds: ['a', 'b', 'c', ''],
    queries: 12,
    stride: 5,
    mateAt: [1, 2, 17],
    groupsOf: (i) => (i % 7 === 0 ? ['g1'] : i % 11 === 0 ? ['g2', 'g1'] : []),
    priorCuts: [0, 20, 45],
    k: 5,
  });
  for (const step of STEP_GRID.filter((_, i) => i % 37 === 0)) {
    assert.equal(tuneStep(input, [step]).recall, groupRecall({ ...input, step }).recall, JSON.stringify(step));
  }
});

test('tuneStep over a whole grid: the shortlist pass gives every point the recall groupRecall gives it', () => {
  // Rounded scores tie often, so the tie order is tested too.
  const input = gridInput({
    seed: 11,
    m: 400,
    kinds: ['a', 'b', 'c', 'd', ''],
    queries: 30,
    stride: 13,
    mateAt: [1, 5, 29],
    groupsOf: (i) => (i % 17 === 0 ? ['g1'] : []),
    priorCuts: [0, 40, 90, 100],
    k: 10,
    round: true,
  });
  // Short lists of 1 and 4 make the fall-back to the full pass happen too.
  for (const shortlist of [1, 4, 256]) {
    const tuned = tuneStep(input, STEP_GRID, shortlist);
    STEP_GRID.forEach((step, i) => assert.equal(tuned.recalls[i], groupRecall({ ...input, step }).recall, `${shortlist}: ${JSON.stringify(step)}`));
  }
});
