/**
 * User-embedding bench on the full clothing dataset: labels + groups (contributor); 20% held out with
 * the product's split (default: half whole contributors, half single photos of the others; --split
 * group = whole contributors only), generic vs trained retrieval on the held-out photos.
 *   node --import tsx bench/train-clothing.ts [--seed N] [--split mixed|group|item]
 * Generic features are encoded once into .tmp/clothing-generic.* (see train-features.ts).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SPLIT_MODES } from '../src/embedding/split.js';
import type { TrainingItem } from '../src/embedding/types.js';
import { cachedFeatures, CLOTHING_DIR, CLOTHING_NOT_CLASSES, clothingRows } from './train-features.js';
import { printResult, runBench } from './train-eval.js';

const SplitModeSchema = z.enum(SPLIT_MODES);
const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, signals: { type: 'string', default: 'labels,groups' }, split: { type: 'string' } },
});
const by = values.split === undefined ? undefined : SplitModeSchema.parse(values.split);
const seed = Number(values.seed);
const rows = clothingRows();
const fs = await cachedFeatures(
  'clothing-generic',
  rows.map((r) => ({ id: r.id, image: path.join(CLOTHING_DIR, 'images', `${r.id}.jpg`) })),
);
const feat = new Map(fs.ids.map((id, i) => [id, fs.features[i]!]));
// 'Not sure' / 'Skip' / 'Other' photos stay in the catalogue (with their contributor) but carry no label.
const items: TrainingItem[] = rows.map((r) => ({
  id: r.id,
  features: feat.get(r.id)!,
  labels: CLOTHING_NOT_CLASSES.has(r.label) ? [] : [r.label],
  groups: [`sender:${r.sender}`],
}));
console.log(`clothing: ${items.length} photos, ${items.filter((i) => i.labels!.length).length} labelled, features ${fs.encoder} ${fs.features[0]!.length}-d; seed ${seed}`);
const signals = values.signals.split(',') as ('labels' | 'groups' | 'events' | 'text')[];
const result = await runBench(items, { seed, signals, ...(by ? { by } : {}) });
printResult(result);
