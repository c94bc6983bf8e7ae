import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendOf, describeBlend, fitBlend, sameWeights, type BlendCase } from '../../src/graph/blend.js';
import { seededRandom, shuffled } from '../../src/graph/vec.js';

/**
 * 40 validation users, k = 1. `ease` ranks the hidden item first for users 0-29 and misses for
 * 30-39 (the hidden item is not in its list). `trending` is a lucky list: it holds the hidden item of users 30 and 31 and, for user 0,
 * puts a wrong item above the right one; for everyone else it is empty. Weighting it in wins two
 * users and loses one: a net gain of one user in 40, well inside the noise.
 */
function cases(): BlendCase[] {
  return Array.from({ length: 40 }, (_, u) => {
    const hidden = `h${u}`;
    // Wrong items sort before `h...`, so ties go against the hidden item.
    const ease =
      u < 30
        ? [
            { id: hidden, score: 1 },
            { id: `x${u}`, score: 0.5 },
          ]
        : [
            { id: `a${u}`, score: 1 },
            { id: `b${u}`, score: 0.2 },
          ];
    const trending =
      u === 30 || u === 31
        ? [
            { id: hidden, score: 1 },
            { id: `q${u}`, score: 0 },
          ]
        : u === 0
          ? [
              { id: `a${u}q`, score: 1 },
              { id: `r${u}`, score: 0 },
            ]
          : [];
    return { input: { ease, trending }, hidden: [hidden] };
  });
}

test('fit: a step that wins a net one user in 40 is noise and is not taken; with no margin it is', () => {
  const fallback = blendOf('rank', { ease: 1 });
  const strict = fitBlend(cases(), 1, fallback);
  assert.equal(strict.weights.weights.trending, 0, 'the lucky list stays at 0');
  assert.equal(strict.weights.weights.ease > 0, true);
  assert.equal(strict.recall, 30 / 40);

  const greedy = fitBlend(cases(), 1, fallback, undefined, undefined, 0);
  assert.ok(greedy.weights.weights.trending > 0, 'any gain is taken without the margin');
  assert.equal(greedy.recall, 31 / 40);
});

test('fit: a step that wins many users is taken under the margin', () => {
  // Now the lucky list is right for users 30-39 and wrong for nobody: a gain of 10 in 40.
  const strong = cases().map((c, u) =>
    u >= 30
      ? {
          ...c,
          input: {
            ...c.input,
            trending: [
              { id: `h${u}`, score: 1 },
              { id: `q${u}`, score: 0 },
            ],
          },
        }
      : u === 0
        ? { ...c, input: { ease: c.input.ease } }
        : c,
  );
  const fit = fitBlend(strong, 1, blendOf('rank', { ease: 1 }));
  assert.ok(fit.weights.weights.trending > 0);
  assert.equal(fit.recall, 1);
});

test('fit: the same weights whatever order the sources are tried in', () => {
  // 200 users, k = 5, three useful lists that overlap: each holds some of a user's four hidden items among decoys.
  const rand = seededRandom(11);
  const list = (u: number, name: string, hidden: string[], share: number) =>
    shuffled([...hidden.filter(() => rand() < share), ...Array.from({ length: 6 }, (_, i) => `${name}-${u}-${i}`)], rand).map((id, r) => ({ id, score: 10 - r }));
  const cases: BlendCase[] = Array.from({ length: 200 }, (_, u) => {
    const hidden = [0, 1, 2, 3].map((i) => `h${u}-${i}`);
    return { input: { ease: list(u, 'e', hidden, 0.5), cooc: list(u, 'c', hidden, 0.35), walk: list(u, 'w', hidden, 0.25), trending: list(u, 't', hidden, 0.05) }, hidden };
  });
  const sources = ['ease', 'cooc', 'walk', 'trending'] as const;
  const forward = fitBlend(cases, 5, blendOf('rank', { ease: 1 }), sources);
  const backward = fitBlend(cases, 5, blendOf('rank', { ease: 1 }), [...sources].reverse());
  assert.ok(sameWeights(forward.weights, backward.weights), `${describeBlend(forward.weights)} vs ${describeBlend(backward.weights)}`);
  assert.ok(forward.weights.weights.cooc > 0 && forward.weights.weights.ease > 0, describeBlend(forward.weights));
});
