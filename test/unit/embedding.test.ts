import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EmbeddingModel, trainingFingerprint } from '../../src/embedding/model.ts';
import { Rng } from '../../src/embedding/random.ts';
import { heldOutParts, splitItems, subset, withoutSignals } from '../../src/embedding/split.ts';
import { denseProduct } from '../../src/embedding/tf.ts';
import { trainEmbedding, type TrainOptions } from '../../src/embedding/train.ts';
import type { TrainingData, TrainingItem } from '../../src/embedding/types.ts';
import { centredUnit, meanRow } from '../../src/eval/knn.ts';
import { evaluateRetrieval, sharesLabel } from '../../src/eval/metrics.ts';

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-embedding-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Non-negative unit vectors: a shared mean, a class direction, a group ("background") direction, noise. */
function synthetic(seed: number, n: number, classes: number, groups: number, dims = 48): TrainingItem[] {
  const rng = new Rng(seed);
  const vec = () => Float32Array.from({ length: dims }, () => rng.normal());
  const cls = Array.from({ length: classes }, vec);
  const grp = Array.from({ length: groups }, vec);
  const shared = vec();
  return Array.from({ length: n }, (_, i) => {
    const c = rng.int(classes);
    const g = rng.int(groups);
    const f = Float32Array.from({ length: dims }, (_, d) => Math.max(0, 2 * shared[d]! + 0.6 * cls[c]![d]! + grp[g]![d]! + 1.2 * rng.normal()));
    const norm = Math.hypot(...f);
    return { id: `it${i}`, features: f.map((v) => v / norm), labels: [`class ${c}`], groups: [`g${g}`], title: `${c % 2 ? 'red' : 'blue'} thing` };
  });
}

const SMALL: Omit<TrainOptions, 'seed' | 'signals'> = { hidden: 32, dims: 16, batchSize: 64, maxEpochs: 3, patience: 2 };

test('split: deterministic, order-independent, whole groups held out', () => {
  const items = synthetic(1, 300, 5, 30);
  const a = splitItems(items, { seed: 7, by: 'group' });
  const b = splitItems([...items].reverse(), { seed: 7, by: 'group' });
  assert.deepEqual([...a.heldOut].sort(), [...b.heldOut].sort());
  assert.notDeepEqual([...a.heldOut].sort(), [...splitItems(items, { seed: 8, by: 'group' }).heldOut].sort());
  assert.ok(Math.abs(a.heldOut.length / items.length - 0.2) < 0.05, `held out ${a.heldOut.length}`);
  const heldGroups = new Set(a.heldOutGroups);
  for (const it of items) assert.equal(heldGroups.has(it.groups![0]!), a.heldOut.includes(it.id), it.id);
  const byItem = splitItems(items, { seed: 7, by: 'item', fraction: 0.3 });
  assert.equal(byItem.heldOut.length, 90);
  assert.equal(byItem.heldOutGroups.length, 0);
  assert.equal(new Set([...byItem.train, ...byItem.heldOut]).size, 300);
});

test('split: mixed (the default with groups) holds out whole groups and single items of the kept groups', () => {
  const items = synthetic(1, 300, 5, 30);
  const m = splitItems(items, { seed: 7 });
  assert.deepEqual([...m.heldOut].sort(), [...splitItems([...items].reverse(), { seed: 7, by: 'mixed' }).heldOut].sort());
  assert.equal(m.heldOut.length, 60);
  const groupOf = (id: string) => items.find((it) => it.id === id)!.groups!;
  const parts = heldOutParts(m.heldOut, m.train, groupOf);
  // Roughly half and half (groups hold ~10 items, so the group part lands near 30).
  assert.ok(m.heldOutGroups.length >= 2, `groups ${m.heldOutGroups.length}`);
  assert.ok(parts.newGroups.length >= 20 && parts.newGroups.length <= 40, `group part ${parts.newGroups.length}`);
  assert.equal(parts.newGroups.length, items.filter((it) => m.heldOutGroups.includes(it.groups![0]!)).length);
  assert.equal(parts.newItems.length, 60 - parts.newGroups.length);
  // Every whole group is gone from training; every single item's group still has members in training.
  const train = new Set(m.train);
  const heldGroups = new Set(m.heldOutGroups);
  for (const it of items) if (heldGroups.has(it.groups![0]!)) assert.ok(!train.has(it.id), it.id);
  for (const id of parts.newItems)
    assert.ok(
      items.some((it) => train.has(it.id) && it.groups![0] === groupOf(id)[0]),
      id,
    );
  // Without groups the split is by item.
  const plain = items.map(({ groups: _g, ...rest }) => rest);
  assert.equal(splitItems(plain, { seed: 7 }).heldOutGroups.length, 0);
});

test('split parts on the bundled sample: "new items in known groups" only holds items whose group keeps a training member', () => {
  // The sample's real senders: many send one photo, a few send many (the full set has 116 one-photo senders of 351).
  const lines = fs
    .readFileSync(path.join(import.meta.dirname, '../../examples/clothing-sample/items.csv'), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0]!.split(',');
  const [idCol, groupCol] = [header.indexOf('id'), header.indexOf('groups')];
  const items = lines.slice(1).map((l) => {
    const cells = l.split(',');
    return { id: cells[idCol]!, groups: [cells[groupCol]!] };
  });
  const groupOf = new Map(items.map((it) => [it.id, it.groups]));
  const sizes = new Map<string, number>();
  for (const it of items) sizes.set(it.groups[0]!, (sizes.get(it.groups[0]!) ?? 0) + 1);
  assert.ok([...sizes.values()].filter((n) => n === 1).length > 20, 'the sample has one-photo senders');
  let singlesDrawnAlone = 0;
  for (const seed of [1, 2, 3, 42]) {
    const split = splitItems(items, { seed });
    const parts = heldOutParts(split.heldOut, split.train, (id) => groupOf.get(id)!);
    const trainGroups = new Set(split.train.map((id) => groupOf.get(id)![0]!));
    for (const id of parts.newItems) assert.ok(trainGroups.has(groupOf.get(id)![0]!), `${id} (seed ${seed}) is in new items but its group has no training member`);
    for (const id of parts.newGroups) assert.ok(!trainGroups.has(groupOf.get(id)![0]!), `${id} (seed ${seed}) is in new groups but its group was trained on`);
    assert.equal(parts.newItems.length + parts.newGroups.length, split.heldOut.length);
    const heldWhole = new Set(split.heldOutGroups);
    // One-photo senders drawn as single items belong with the new groups, not the known ones.
    singlesDrawnAlone += parts.newGroups.filter((id) => !heldWhole.has(groupOf.get(id)![0]!)).length;
  }
  assert.ok(singlesDrawnAlone > 0, 'some held-out single items have no training member in their group (the case the parts must route)');
  // Items without groups are in neither part.
  const toy: Record<string, string[]> = { a: [], b: ['g'], c: ['h'], d: ['h'] };
  assert.deepEqual(
    heldOutParts(['a', 'b', 'd'], ['c'], (id) => toy[id]!),
    { newItems: ['d'], newGroups: ['b'] },
  );
});

test('no leakage: held-out labels, groups and interactions never reach the trainer', async () => {
  const items = synthetic(2, 160, 4, 16);
  const interactions: [string, string][] = items.slice(0, 80).map((it, i) => [it.id, items[i + 80]!.id]);
  const split = splitItems(items, { seed: 3 });
  const held = new Set(split.heldOut);
  const masked = withoutSignals({ items, interactions }, held);
  for (const it of masked.items) if (held.has(it.id)) assert.ok(!it.labels && !it.groups, it.id);
  assert.ok(masked.interactions!.every(([a, b]) => !held.has(a) && !held.has(b)));
  assert.equal(subset({ items }, split.train).items.length, split.train.length);
  // Scrambling the held-out items' labels and groups must not change the trained model at all.
  const scrambled = items.map((it) => (held.has(it.id) ? { ...it, labels: ['bogus'], groups: ['bogus'] } : it));
  const opts = { ...SMALL, maxEpochs: 2, seed: 5, signals: ['labels', 'groups', 'events'] as const };
  const m1 = await trainEmbedding(withoutSignals({ items, interactions }, held), opts);
  const m2 = await trainEmbedding(withoutSignals({ items: scrambled, interactions }, held), opts);
  assert.deepEqual(m1.model.weight('w1'), m2.model.weight('w1'));
  assert.equal(m1.model.config.fingerprint, m2.model.config.fingerprint);
});

test('training is deterministic for a seed, and the seed matters', async () => {
  const data: TrainingData = { items: synthetic(3, 240, 6, 20) };
  const opts = { ...SMALL, seed: 11, signals: ['labels', 'groups'] as const };
  const a = await trainEmbedding(data, opts);
  const b = await trainEmbedding(data, opts);
  const c = await trainEmbedding(data, { ...opts, seed: 12 });
  for (const name of ['w1', 'b1', 'wSkip', 'w2', 'mean', 'scale']) assert.deepEqual(a.model.weight(name), b.model.weight(name), name);
  assert.notDeepEqual(a.model.weight('w1'), c.model.weight('w1'));
  assert.deepEqual(a.report.history, b.report.history);
  assert.notEqual(a.model.config.fingerprint, c.model.config.fingerprint);
});

test('training improves held-out retrieval on synthetic data; save/load round trip is exact', async () => {
  const items = synthetic(4, 600, 6, 40);
  const split = splitItems(items, { seed: 1 });
  const progress: number[] = [];
  const { model, report } = await trainEmbedding(subset({ items }, split.train), {
    ...SMALL,
    maxEpochs: 10,
    patience: 4,
    seed: 1,
    signals: ['labels', 'groups', 'text'],
    onProgress: (p) => progress.push(p.step),
  });
  assert.ok(progress.length > 0 && report.steps > 0);
  assert.equal(report.backend, 'wasm');
  const held = items.filter((it) => split.heldOut.includes(it.id));
  const ids = held.map((it) => it.id);
  const rel = sharesLabel(new Map(held.map((it) => [it.id, it.labels!])));
  const ev = (vecs: Float32Array[]) => evaluateRetrieval({ candidateIds: ids, candidateVectors: vecs, queries: ids, relevant: rel, k: 10 });
  const before = ev(held.map((it) => it.features));
  // Held-out items are untagged uploads here: features and title only.
  const after = ev(
    model.project(
      held.map((it) => it.features),
      held.map((it) => it.title),
    ),
  );
  assert.ok(after.map > before.map * 1.3, `mAP@10 ${before.map} -> ${after.map}`);
  // The text tower puts 'red' next to the odd classes (titled red) and away from the even ones.
  const vecs = model.project(held.map((it) => it.features));
  const q = model.embedText('red');
  const simTo = (odd: boolean) => {
    const rows = held.map((it, i) => [it, vecs[i]!] as const).filter(([it]) => (Number(it.labels![0]!.split(' ')[1]) % 2 === 1) === odd);
    return rows.reduce((s, [, v]) => s + v.reduce((a, x, d) => a + x * q[d]!, 0), 0) / rows.length;
  };
  assert.ok(simTo(true) > simTo(false) + 0.2, `red: ${simTo(true)} vs ${simTo(false)}`);

  const dir = tmpDir();
  await model.save(dir);
  const loaded = await EmbeddingModel.load(dir);
  assert.deepEqual(loaded.config, model.config);
  const p1 = model.project(held.slice(0, 20).map((it) => it.features));
  const p2 = loaded.project(held.slice(0, 20).map((it) => it.features));
  assert.deepEqual(p1, p2);
  // tfjs's kernels (training, evaluation) and the JavaScript products (serving) give the same vectors.
  const texts = held.map((it, i) => (i % 2 ? it.title : undefined));
  const js = model.project(
    held.map((it) => it.features),
    texts,
  );
  const fast = model.project(
    held.map((it) => it.features),
    texts,
    denseProduct,
  );
  assert.equal(fast.length, js.length);
  const worst = Math.max(...js.map((v, i) => Math.max(...v.map((x, d) => Math.abs(x - fast[i]![d]!)))));
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
  assert.deepEqual(loaded.embedText('red thing'), model.embedText('red thing'));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8));
  await assert.rejects(EmbeddingModel.load(dir), /does not match/);
});

test('fingerprint covers ids, enabled signals, seed and config', () => {
  const items = synthetic(5, 20, 2, 4);
  const base = trainingFingerprint({ items }, ['labels'], 1, { dims: 16 });
  assert.equal(trainingFingerprint({ items: [...items].reverse() }, ['labels'], 1, { dims: 16 }), base);
  assert.notEqual(trainingFingerprint({ items }, ['labels'], 2, { dims: 16 }), base);
  assert.notEqual(trainingFingerprint({ items }, ['labels', 'groups'], 1, { dims: 16 }), base);
  assert.notEqual(trainingFingerprint({ items }, ['labels'], 1, { dims: 32 }), base);
  assert.notEqual(trainingFingerprint({ items: items.slice(1) }, ['labels'], 1, { dims: 16 }), base);
  // Groups are not an enabled signal here, so changing them does not change the fingerprint.
  assert.equal(trainingFingerprint({ items: items.map((it) => ({ ...it, groups: ['x'] })) }, ['labels'], 1, { dims: 16 }), base);
});

test('real photos: trained embedding beats generic features on held-out contributors; calibration lowers ECE', async () => {
  // Generic features of the bundled sample (306 real photos, 17 garment classes) from the real encoder.
  const { createEncoder, DEFAULT_ENCODER } = await import('../../src/vision/encoders.ts');
  const { decodeForEncoder } = await import('../../src/vision/decode.ts');
  const { CalibratedTagger } = await import('../../src/embedding/tagger.ts');
  const dir = path.resolve(import.meta.dirname, '../../examples/clothing-sample');
  const [header, ...lines] = fs.readFileSync(path.join(dir, 'items.csv'), 'utf8').trim().split('\n');
  const col = (name: string) => header!.split(',').indexOf(name);
  const cImage = col('image');
  const rows = lines.map((l) => l.split(','));
  const enc = await createEncoder(DEFAULT_ENCODER, { modelsDir: tmpDir() });
  const features: Float32Array[] = [];
  try {
    for (let s = 0; s < rows.length; s += 32) {
      const imgs = await Promise.all(rows.slice(s, s + 32).map((r) => decodeForEncoder(path.join(dir, r[cImage]!), enc.input)));
      features.push(...(await enc.encode(imgs)));
    }
  } finally {
    await enc.close();
  }
  const items: TrainingItem[] = rows.map((r, i) => ({ id: r[0]!, features: features[i]!, labels: [r[2]!], groups: [r[3]!] }));
  const split = splitItems(items, { seed: 1, by: 'group' });
  const { model, report } = await trainEmbedding(subset({ items }, split.train), { seed: 1, signals: ['labels', 'groups'] });
  const byId = new Map(items.map((it, i) => [it.id, i]));
  const rel = sharesLabel(new Map(items.map((it) => [it.id, it.labels!])));
  const trained = model.project(features);
  const ev = (vecs: readonly Float32Array[], cands: readonly string[]) =>
    evaluateRetrieval({ candidateIds: cands, candidateVectors: cands.map((id) => vecs[byId.get(id)!]!), queries: split.heldOut, relevant: rel, k: 10 });
  // Held-out photos (unseen contributors) searched against the whole catalogue. Among the ~65 held-out
  // photos alone (~4 relevant each) the numbers are too noisy to assert on at this size.
  const all = items.map((it) => it.id);
  const g = ev(features, all);
  const t = ev(trained, all);
  assert.ok(t.map > g.map * 1.2 && t.precision > g.precision * 1.1, `mAP@10 ${g.map} -> ${t.map}, P@10 ${g.precision} -> ${t.precision}`);
  // And against the stronger baseline `loupe eval` reports: generic minus the training items' mean, unit length.
  const centred = centredUnit(features, meanRow(split.train.map((id) => features[byId.get(id)!]!)));
  const gc = ev(centred, all);
  assert.ok(gc.map > g.map, `centring helps the generic vectors here: mAP@10 ${g.map} -> ${gc.map}`);
  assert.ok(t.map > gc.map * 1.1 && t.precision > gc.precision, `vs centred generic: mAP@10 ${gc.map} -> ${t.map}, P@10 ${gc.precision} -> ${t.precision}`);
  const lv = (ids: readonly string[]) => ({ vectors: ids.map((id) => trained[byId.get(id)!]!), labels: ids.map((id) => items[byId.get(id)!]!.labels!) });
  const tagging = CalibratedTagger.fit(lv(report.fitIds), lv(report.validationIds)).evaluate(lv(split.heldOut));
  assert.ok(tagging.eceCalibrated < tagging.eceRaw, `ECE raw ${tagging.eceRaw} calibrated ${tagging.eceCalibrated}`);
});

test('Rng.sample draws distinct elements across calls of any size, and the same draws for the same seed', () => {
  const small = [1, 2, 3, 4, 5];
  const big = Array.from({ length: 50 }, (_, i) => i);
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return [rng.sample(big, 20), rng.sample(small, 3), rng.sample(big, 49), rng.sample(small, 5), rng.sample(big, 1)];
  };
  const [a, b] = [draw(7), draw(7)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(draw(8), a);
  for (const [i, picked] of a.entries()) {
    const from = i % 2 ? small : big;
    assert.equal(new Set(picked).size, picked.length, `call ${i}: distinct`);
    assert.ok(
      picked.every((x) => from.includes(x)),
      `call ${i}: from its array`,
    );
  }
  assert.deepEqual([...a[3]!].sort(), small, 'n >= length returns every element');
});
