import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxProblem, clipBox, personRegions, poseRegions, suppressOverlaps, type Detection } from '../../src/vision/boxes.js';

test('overlapping boxes of one label keep the best score; other labels and separate boxes stay', () => {
  const dets: Detection[] = [
    { box: [0, 0, 100, 100], label: 'chair', score: 0.5 },
    { box: [5, 5, 100, 100], label: 'chair', score: 0.9 },
    { box: [5, 5, 100, 100], label: 'couch', score: 0.4 },
    { box: [300, 300, 50, 50], label: 'chair', score: 0.35 },
  ];
  const kept = suppressOverlaps(dets);
  assert.deepEqual(
    kept.map((d) => [d.label, d.score]),
    [
      ['chair', 0.9],
      ['couch', 0.4],
      ['chair', 0.35],
    ],
  );
});

test('a person box becomes upper body, lower body and feet bands, top to bottom, inside the person', () => {
  const regions = personRegions({ box: [10, 20, 100, 200], label: 'person', score: 0.8 });
  assert.deepEqual(
    regions.map((r) => r.label),
    ['upper body', 'lower body', 'feet'],
  );
  for (const r of regions) {
    assert.ok(r.box[0] >= 10 && r.box[1] >= 20 && r.box[0] + r.box[2] <= 110 && r.box[1] + r.box[3] <= 220, JSON.stringify(r.box));
  }
  assert.ok(regions[0]!.box[1] < regions[1]!.box[1] && regions[1]!.box[1] < regions[2]!.box[1]);
  assert.equal(regions[2]!.box[1] + regions[2]!.box[3], 220);
});

test('clipBox keeps what lies inside the photo and drops a box wholly outside', () => {
  assert.deepEqual(clipBox([-10, -10, 50, 50], 100, 80), [0, 0, 40, 40]);
  assert.deepEqual(clipBox([90, 70, 50, 50], 100, 80), [90, 70, 10, 10]);
  assert.equal(clipBox([200, 10, 5, 5], 100, 80), undefined);
});

test('boxProblem accepts a box inside the photo and names what is wrong otherwise', () => {
  assert.equal(boxProblem([0, 0, 100, 80], 100, 80), undefined);
  assert.match(boxProblem([50, 10, 60, 10], 100, 80)!, /not inside the 100x80 photo/);
  assert.match(boxProblem([-1, 0, 10, 10], 100, 80)!, /not inside/);
  assert.match(boxProblem([0, 0, 0, 10], 100, 80)!, /at least 1/);
  assert.match(boxProblem([0, 0, 1.5, 10], 100, 80)!, /whole numbers/);
  assert.match(boxProblem([0, 0, 10], 100, 80)!, /four/);
});

test('pose regions follow the keypoints: shoulders to hips, hips to ankles, around the ankles; unseen parts fall back to bands', () => {
  const person: Detection = { box: [0, 0, 100, 400], label: 'person', score: 0.9 };
  const kp = (x: number, y: number, score = 0.9) => ({ x, y, score });
  // 17 MoveNet keypoints of a figure standing in the left half of its box.
  const kps = [
    kp(25, 30),
    kp(0, 0, 0),
    kp(0, 0, 0),
    kp(0, 0, 0),
    kp(0, 0, 0),
    kp(15, 70),
    kp(35, 70),
    kp(10, 120),
    kp(40, 120),
    kp(10, 160),
    kp(40, 160),
    kp(18, 190),
    kp(32, 190),
    kp(18, 280),
    kp(32, 280),
    kp(18, 360),
    kp(32, 360),
  ];
  const [upper, lower, feet] = poseRegions(person, kps);
  assert.deepEqual([upper!.label, lower!.label, feet!.label], ['upper body', 'lower body', 'feet']);
  assert.ok(upper!.box[1] < 70 && upper!.box[1] + upper!.box[3] >= 190, `upper ${upper!.box}`);
  assert.ok(upper!.box[0] + upper!.box[2] < 80, 'only as wide as the arms');
  assert.ok(lower!.box[1] <= 190 && lower!.box[1] + lower!.box[3] >= 360, `lower ${lower!.box}`);
  assert.ok(feet!.box[1] < 360 && feet!.box[1] + feet!.box[3] > 360 && feet!.box[3] < 100, `feet ${feet!.box}`);
  for (const r of [upper!, lower!, feet!]) assert.ok(r.box[0] >= 0 && r.box[1] >= 0 && r.box[0] + r.box[2] <= 100 && r.box[1] + r.box[3] <= 400);

  const noLegs = kps.map((k, i) => (i >= 13 ? { ...k, score: 0.05 } : k));
  const bands = personRegions(person);
  const cut = poseRegions(person, noLegs);
  assert.deepEqual(cut[1]!.box, bands[1]!.box, 'no ankles seen: the lower-body band');
  assert.deepEqual(cut[2]!.box, bands[2]!.box);
  assert.notDeepEqual(cut[0]!.box, bands[0]!.box, 'the upper body still follows the pose');
});
