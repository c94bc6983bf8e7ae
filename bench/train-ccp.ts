/**
 * Second user-embedding check on clothing-co-parsing: garment crops (from the boxes of photos
 * 0001-1004) labelled by garment and grouped by outfit (photo); 20% of outfits held out whole.
 *   node --import tsx bench/train-ccp.ts [--seed N]
 * Crop features are encoded once into .tmp/ccp-crops-generic.* (photos stay outside the repo).
 */
import { parseArgs } from 'node:util';
import { ccpCropItems } from './complete-data.js';
import { printResult, runBench } from './train-eval.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' } } });
const seed = Number(values.seed);
const items = await ccpCropItems();
const outfits = new Set(items.map((i) => i.groups![0]));
const labels = new Set(items.map((i) => i.labels![0]));
console.log(`ccp: ${items.length} garment crops from ${outfits.size} outfits, ${labels.size} labels; seed ${seed}`);
printResult(await runBench(items, { seed, signals: ['labels', 'groups'] }));
