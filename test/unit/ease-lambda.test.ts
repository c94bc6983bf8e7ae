/** EASE's λ fitted on the events' own latest positives (pure, milliseconds). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitEaseLambda } from '../../src/graph/collab/ease-lambda.js';
import { DEFAULT_EASE } from '../../src/graph/collab/ease.js';
import { engagementMatrix, type Engagement } from '../../src/graph/collab/matrix.js';
import { seededRandom } from '../../src/graph/vec.js';

/** Users who each engage some of ten popular items, then three of the five items of their own niche (the last latest). */
function popularAndNiche(users: number, seed: number): Engagement[] {
  const rng = seededRandom(seed);
  const events: Engagement[] = [];
  for (let u = 0; u < users; u++) {
    let ts = 0;
    for (let p = 0; p < 10; p++) if (rng() < 0.6) events.push({ user: `u${u}`, item: `pop${p}`, weight: 1, ts: ts++ });
    const niche = [0, 1, 2, 3, 4].sort(() => rng() - 0.5).slice(0, 3);
    for (const k of niche) events.push({ user: `u${u}`, item: `g${u % 40}-${k}`, weight: 1, ts: ts++ });
  }
  return events;
}

test('ease λ: where popular items swamp the niches, a lighter ridge finds more of the hidden latest items', () => {
  const fit = fitEaseLambda(engagementMatrix(popularAndNiche(400, 3)), DEFAULT_EASE);
  assert.equal(fit.users, 400);
  assert.deepEqual(
    fit.tried.map((t) => t.lambda),
    [8, 2, 32],
    'the default first, then a quarter and four times it',
  );
  assert.equal(fit.lambda, 2);
  const [base, light] = fit.tried;
  assert.ok(light!.recall > base!.recall + 0.1, JSON.stringify(fit.tried));
});

test('ease λ: on events with no structure the default stays; too few users and nothing is fitted', () => {
  const rng = seededRandom(5);
  const noise: Engagement[] = [];
  for (let u = 0; u < 300; u++) for (let k = 0; k < 8; k++) noise.push({ user: `u${u}`, item: `i${Math.floor(rng() * 200)}`, weight: 1, ts: k });
  assert.equal(fitEaseLambda(engagementMatrix(noise), DEFAULT_EASE).lambda, DEFAULT_EASE.lambda);
  const few = fitEaseLambda(engagementMatrix(popularAndNiche(30, 1)), DEFAULT_EASE);
  assert.deepEqual(few, { lambda: DEFAULT_EASE.lambda, users: 0, tried: [] });
});
