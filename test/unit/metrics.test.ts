import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centredUnit, cosineTopK, cosineTopKMany, KnnTagger, meanRow, normalizedCopy } from '../../src/eval/knn.ts';
import { exactInnerProduct } from '../../src/index/usearch-graphs.ts';
import {
  averagePrecisionAtK,
  cappedRecallAtK,
  evaluateRetrieval,
  expectedCalibrationError,
  hitRateAtK,
  meanAveragePrecisionAtK,
  multiLabelF1,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  sharesLabel,
} from '../../src/eval/metrics.ts';
import { Calibrator, fitIsotonic } from '../../src/embedding/tagger.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('ranked-list metrics on a hand-computed list', () => {
  const hits = [true, false, true, false, false];
  // 3 relevant items exist; 2 of them are at ranks 1 and 3.
  close(precisionAtK(hits, 5), 2 / 5);
  close(recallAtK(hits, 3, 5), 2 / 3);
  close(cappedRecallAtK(hits, 3, 5), 2 / 3);
  close(hitRateAtK(hits, 5), 1);
  close(averagePrecisionAtK(hits, 3, 5), (1 / 1 + 2 / 3) / 3);
  const idcg5 = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
  close(ndcgAtK(hits, 3, 5), (1 + 1 / Math.log2(4)) / idcg5);
  // k = 2: only rank 1 counts; the cap is min(2, 3) = 2.
  close(precisionAtK(hits, 2), 1 / 2);
  close(recallAtK(hits, 3, 2), 1 / 3);
  close(cappedRecallAtK(hits, 3, 2), 1 / 2);
  close(averagePrecisionAtK(hits, 3, 2), 1 / 2);
  close(ndcgAtK(hits, 3, 2), 1 / (1 + 1 / Math.log2(3)));
  // k larger than the list: precision still divides by k.
  close(precisionAtK([1, 1], 10), 0.2);
  close(cappedRecallAtK([1, 1], 2, 10), 1);
  close(hitRateAtK([0, 0, 1], 2), 0);
  assert.ok(Number.isNaN(recallAtK([0, 0], 0, 2)));
  close(
    meanAveragePrecisionAtK(
      [
        { hits: [1, 0], numRelevant: 1 },
        { hits: [0, 1], numRelevant: 1 },
        { hits: [0], numRelevant: 0 },
      ],
      2,
    ),
    (1 + 0.5) / 2,
  );
});

test('multi-label micro and macro F1', () => {
  const r = multiLabelF1([['a', 'b'], ['a'], ['c']], [['a'], ['a', 'c'], []]);
  // a: tp 2; b: fn 1; c: fp 1, fn 1. Micro: tp 2, fp 1, fn 2.
  close(r.microPrecision, 2 / 3);
  close(r.microRecall, 2 / 4);
  close(r.microF1, 4 / 7);
  close(r.macroF1, (1 + 0 + 0) / 3);
  assert.deepEqual(r.perLabel.get('c'), { tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
});

test('expected calibration error with equal-width bins', () => {
  const { ece, bins } = expectedCalibrationError([0.1, 0.15, 0.8, 0.85, 0.95], [0, 1, 1, 1, 0], 10);
  // bins [0.1,0.2): conf .125 acc .5; [0.8,0.9): conf .825 acc 1; [0.9,1]: conf .95 acc 0.
  close(ece, 0.4 * 0.375 + 0.4 * 0.175 + 0.2 * 0.95);
  assert.equal(bins[1]!.count, 2);
  close(expectedCalibrationError([1, 0], [1, 0]).ece, 0);
});

test('exact cosine top-k excludes the query and breaks ties by index', () => {
  const rows = normalizedCopy([new Float32Array([1, 0]), new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([1, 1])]);
  assert.deepEqual(
    cosineTopK(rows[0]!, rows, 2, 0).map((n) => n.index),
    [1, 3],
  );
  assert.deepEqual(
    cosineTopK(rows[2]!, rows, 10).map((n) => n.index),
    [2, 3, 0, 1],
  );
});

test('retrieval evaluator: means over queries with relevant candidates', () => {
  const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
  const vecs = [
    [1, 0],
    [0.9, 0.1],
    [0, 1],
    [0.1, 0.9],
    [0.7, 0.7],
    [-1, 0],
  ].map((v) => new Float32Array(v));
  const labels = new Map<string, string[]>([
    ['A', ['x']],
    ['B', ['x']],
    ['C', ['y']],
    ['D', ['y']],
    ['E', ['x']],
    ['F', ['z']],
  ]);
  const r = evaluateRetrieval({ candidateIds: ids, candidateVectors: vecs, queries: ['A', 'C', 'F'], relevant: sharesLabel(labels), k: 2 });
  // A -> B, E (both x): P 1, R 1. C -> D (y), E (x): P .5, R 1 (1 relevant), AP 1. F has no relevant: skipped.
  assert.equal(r.queries, 2);
  assert.equal(r.skipped, 1);
  close(r.precision, 0.75);
  close(r.recall, 1);
  close(r.cappedRecall, 1);
  close(r.map, 1);
  close(r.ndcg, 1);
});

test('kNN tagger: similarity-weighted votes', () => {
  const ref = [
    [1, 0],
    [0.8, 0.6],
    [0, 1],
  ].map((v) => new Float32Array(v));
  const tagger = new KnnTagger(ref, [['a'], ['a', 'b'], ['b']], { k: 2 });
  const q = new Float32Array([1, 0.1]);
  const s = tagger.scores(q);
  const n = Math.hypot(1, 0.1);
  const w0 = 1 / n + 1e-6;
  const w1 = (0.8 + 0.06) / n + 1e-6;
  close(s.get('a')!, 1, 1e-6);
  close(s.get('b')!, w1 / (w0 + w1), 1e-6);
  assert.deepEqual(tagger.predict(q, 0.5), ['a']);
  // Excluding the best neighbour: r1 and r2 vote.
  close(tagger.scores(q, 0).get('a')!, (0.86 / n + 1e-6) / (0.86 / n + 0.1 / n + 2e-6), 1e-6);
});

test('calibrators: isotonic PAV and Platt are monotone and map 0 to the base rate', () => {
  const iso = fitIsotonic([0.1, 0.2, 0.3, 0.4], [false, true, false, true]);
  assert.deepEqual(
    iso.x.map((v) => +v.toFixed(6)),
    [0.1, 0.25, 0.4],
  );
  assert.deepEqual(iso.y, [0, 0.5, 1]);
  // Overconfident scores: the truth rate is about half the score.
  const scores: number[] = [];
  const outcomes: boolean[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = ((i * 7919) % 1000) / 1000 + 0.0005;
    scores.push(s);
    outcomes.push(((i * 104729) % 1000) / 1000 < s / 2);
  }
  scores.push(0, 0, 0, 0);
  outcomes.push(true, false, false, false);
  for (const method of ['platt', 'isotonic'] as const) {
    const c = Calibrator.fit(scores, outcomes, method);
    close(c.apply(0), 0.25);
    assert.ok(c.apply(0.9) > c.apply(0.5) && c.apply(0.5) > c.apply(0.1), method);
    const raw = expectedCalibrationError(scores, outcomes).ece;
    const cal = expectedCalibrationError(
      scores.map((s) => c.apply(s)),
      outcomes,
    ).ece;
    assert.ok(cal < raw / 3, `${method}: ECE ${cal} vs raw ${raw}`);
  }
});

test('Platt scaling converges when most scores sit where the sigmoid is flat', () => {
  const scores: number[] = [];
  const outcomes: boolean[] = [];
  for (let i = 0; i < 900; i++) {
    scores.push(1);
    outcomes.push(i % 10 < 7);
  }
  for (let i = 0; i < 100; i++) {
    scores.push(0.5);
    outcomes.push(i % 10 < 4);
  }
  const c = Calibrator.fit(scores, outcomes, 'platt');
  close(c.apply(1), 0.7, 0.01);
  close(c.apply(0.5), 0.4, 0.01);
});

test('mean-centring: a shared offset that hides the classes in cosine is removed by the training mean', () => {
  // Non-negative features (as after ReLU pooling) share a large common direction; cosine then ranks by it.
  const offset = [10, 10, 10, 0];
  const rows = [
    [1, 0, 0, 0],
    [3, 0, 0, 0],
    [0, 0.8, 0, 0],
    [0, 2.5, 0, 0],
  ].map((r) => Float32Array.from(r, (v, i) => v + offset[i]!));
  const mean = meanRow(rows);
  assert.deepEqual(
    [...mean].map((v) => +v.toFixed(4)),
    [11, 10.825, 10, 0],
  );
  const centred = centredUnit(rows, mean);
  for (const r of centred) assert.ok(Math.abs(Math.hypot(...r) - 1) < 1e-6);
  // Raw: row 0's nearest other row is row 2 (the other class); centred: row 1 (its own class).
  assert.equal(cosineTopK(normalizedCopy(rows)[0]!, normalizedCopy(rows), 1, 0)[0]!.index, 2);
  assert.equal(cosineTopK(centred[0]!, centred, 1, 0)[0]!.index, 1);
  assert.deepEqual([...meanRow([], 3)], [0, 0, 0]);
});

test("batch kNN through usearch's exact search gives cosineTopK's lists, ties and exclusions included", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  const base = Array.from({ length: 300 }, () => Float32Array.from({ length: 48 }, rnd));
  // Exact duplicates tie: the lower index must come first, as in cosineTopK.
  const rows = normalizedCopy([...base, base[3]!, base[3]!, base[10]!]);
  const queries = rows.slice(0, 40);
  const exclude = (q: number) => (q % 3 === 0 ? q : q % 3 === 1 ? new Set([q, 301]) : undefined);
  const batch = cosineTopKMany(queries, rows, 10, exclude, exactInnerProduct);
  assert.equal(batch.length, 40);
  for (const [q, top] of batch.entries()) assert.deepEqual(top, cosineTopK(queries[q]!, rows, 10, exclude(q)), `query ${q}`);
  assert.deepEqual(
    batch[3]!.slice(0, 2).map((n) => n.index),
    [300, 301],
  );
  const labels = rows.map((_, i) => [`l${i % 4}`]);
  const plain = new KnnTagger(rows, labels, { k: 5 });
  const fast = new KnnTagger(rows, labels, { k: 5, search: exactInnerProduct });
  assert.deepEqual(
    fast.predictMany(queries, 0.3),
    queries.map((q) => plain.predict(q, 0.3)),
  );
});
