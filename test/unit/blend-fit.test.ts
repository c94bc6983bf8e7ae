import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendOf, fitBlend, type BlendCase } from '../../src/graph/blend.js';

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
