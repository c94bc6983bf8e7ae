/**
 * Complete-the-group ("goes with") bench on two real catalogues:
 * - ccp: 4,881 garment crops from the boxes of clothing-co-parsing photos 0001-1004, labelled by garment,
 *   grouped by outfit photo;
 * - clothing: the clothing set's 5,096 labelled photos grouped by sender (a weak "goes with" signal).
 * Split rule (frozen by seed): each group is held out whole when hashUniform(seed, 'complete:' + group)
 * < 0.3 (src/complete/split.ts, the rule `loupe train` records and `loupe eval` reads). Training sees
 * no group of a held-out item; every item stays a candidate. Each member of a held-out group queries
 * the whole catalogue (itself excluded); Recall@10 = hits among its group-mates / min(10, mates).
 * Candidate steps and early stopping are chosen on a dev split of the training groups only.
 *   npm run bench -- complete-group
 *   node --import tsx bench/complete-group.ts [--seed N] [--set ccp|clothing] [--goes-with-only]
 */
import { parseArgs } from 'node:util';
import { holdOutGroups, groupMembers, groupQueries } from '../src/complete/split.js';
import { groupRecall, tuneStep, NO_STEP, STEP_GRID, type CandidateStep, type LabelPrior } from '../src/complete/score.js';
import { colourScorer, devSplit, standardise, trainGoesWith, type CompleteItem } from '../src/complete/train.js';
import { cosineScorer, goesWithScorer } from '../src/complete/evaluate.js';
import { trainEmbedding } from '../src/embedding/train.js';
import { initTf } from '../src/embedding/tf.js';
import { report } from './common.js';
import { ccpCropItems, clothingSenderItems } from './complete-data.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, set: { type: 'string', multiple: true }, 'goes-with-only': { type: 'boolean' } } });
const seed = Number(values.seed);
const FRACTION = 0.3;
await initTf();

async function run(name: string, items: CompleteItem[]) {
  const split = holdOutGroups(items, seed, FRACTION);
  const held = new Set(split.heldOutGroups);
  const queries = groupQueries(groupMembers(items, (g) => held.has(g)));
  const labels = items.map((it) => it.labels);
  const dev = devSplit(items, split.hidden, seed, 0.2);
  console.log(
    `${name}: ${items.length} items, ${new Set(items.flatMap((i) => i.groups)).size} groups; held out ${held.size} groups (${split.hidden.size} items, ${queries.length} queries); dev ${dev.devGroups} groups`,
  );
  const test = (scores: (i: number) => Float32Array, step: CandidateStep = NO_STEP, prior: LabelPrior | null = null) => groupRecall({ labels, queries, scores, step, prior }).recall;
  const tuned = (vecs: readonly Float32Array[]) => tuneStep({ labels, queries: dev.devQueries, scores: cosineScorer(vecs, dev.devQueries), prior: dev.prior }).step;
  const rows: Record<string, { recall: number; step?: CandidateStep; seconds?: number }> = {};
  const add = (label: string, recall: number, extra: Omit<(typeof rows)[string], 'recall'> = {}) => {
    rows[label] = { recall, ...extra };
    console.log(`  ${label.padEnd(44)} Recall@10 ${recall.toFixed(4)}${extra.step ? `  step ${JSON.stringify(extra.step)}` : ''}`);
  };

  const raw = items.map((it) => it.features);
  // Generic neighbours (raw, mean-centred) and the trained "looks like" version, each also with a dev-tuned candidate step.
  async function baselines() {
    add('generic neighbours (raw cosine)', test(cosineScorer(raw, queries)));
    const std = standardise(raw, 1);
    const centred = items.map((_, i) => std.x.subarray((i * std.x.length) / items.length, ((i + 1) * std.x.length) / items.length));
    add('generic neighbours (mean-centred)', test(cosineScorer(centred, queries)));
    const centredStep = tuned(centred);
    add('generic mean-centred + candidate step', test(cosineScorer(centred, queries), centredStep, dev.prior), { step: centredStep });

    const t = Date.now();
    const trainItems = items.filter((it) => !split.hidden.has(it.id));
    const { model: looks } = await trainEmbedding({ items: trainItems }, { seed, signals: ['labels', 'groups'] });
    const looksVecs = looks.project(raw);
    add('trained "looks like" version (labels+groups)', test(cosineScorer(looksVecs, queries)), { seconds: (Date.now() - t) / 1000 });
    const looksStep = tuned(looksVecs);
    add('trained "looks like" + candidate step', test(cosineScorer(looksVecs, queries), looksStep, dev.prior), { step: looksStep });
  }
  if (!values['goes-with-only']) await baselines();
  // The cheapest palette anchor: nearest centred colour vectors, no training.
  const colour = colourScorer(items, queries);
  if (colour) add('colour neighbours (centred, no training)', test(colour));

  const t = Date.now();
  const { model, report: r } = await trainGoesWith(
    { items, hidden: split.hidden, split: { seed, fraction: FRACTION, heldOutGroups: split.heldOutGroups } },
    { seed, maxSeconds: 900, log: (m) => console.log(`    ${m}`) },
  );
  const seconds = (Date.now() - t) / 1000;
  const gw = goesWithScorer(model, items);
  add('goes-with f.g (no candidate step)', test(gw), { seconds });
  const generic = cosineScorer(raw, queries);
  // The step as it was before colours: tuned on the same dev split over the grid without them.
  const devColourless = tuneStep(
    { labels, queries: dev.devQueries, scores: goesWithScorer(model, items), generic: cosineScorer(raw, dev.devQueries), prior: dev.prior },
    STEP_GRID.filter((s) => s.colourWeight === 0),
  ).step;
  add('goes-with f.g + step without colour', groupRecall({ labels, queries, scores: gw, generic, step: devColourless, prior: model.prior }).recall, { step: devColourless });
  add('goes-with f.g + candidate step (product)', groupRecall({ labels, queries, scores: gw, generic, ...(colour ? { colour } : {}), step: model.step, prior: model.prior }).recall, {
    step: model.step,
    seconds,
  });
  const base = rows['generic neighbours (raw cosine)']?.recall ?? NaN;
  const product = rows['goes-with f.g + candidate step (product)']!.recall;
  const colourAnchor = rows['colour neighbours (centred, no training)']?.recall ?? NaN;
  console.log(
    `  => goes-with / generic neighbours: ${(product / base).toFixed(2)}x, / colour neighbours: ${(product / colourAnchor).toFixed(2)}x  (train ${seconds.toFixed(1)} s, ${r.epochs} epochs, best ${r.bestEpoch}, dev ${r.devRecallStart.toFixed(4)} -> ${r.devRecall.toFixed(4)} -> ${r.devRecallWithStep.toFixed(4)} with step)`,
  );
  return { items: items.length, heldOutGroups: held.size, queries: queries.length, rows, liftOverGeneric: product / base, liftOverColour: product / colourAnchor, train: r };
}

const sets = values.set?.length ? values.set : ['ccp', 'clothing'];
const out: Record<string, unknown> = { seed, fraction: FRACTION };
if (sets.includes('ccp')) out.ccp = await run('ccp crops by outfit', await ccpCropItems());
if (sets.includes('clothing')) out.clothing = await run('clothing by sender', await clothingSenderItems());
report(`complete-group-seed${seed}`, out);
