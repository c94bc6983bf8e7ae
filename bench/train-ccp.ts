/**
 * Second user-embedding check on clothing-co-parsing: garment crops (from the boxes of photos
 * 0001-1004) labelled by garment and grouped by outfit (photo); 20% of outfits held out whole.
 *   node --import tsx bench/train-ccp.ts [--seed N]
 * Crop features are encoded once into .tmp/ccp-crops-generic.* (photos stay outside the repo).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { TrainingItem } from '../src/embedding/types.js';
import { decodeForEncoder } from '../src/vision/decode.js';
import { cachedFeatures, type ImageSource } from './train-features.js';
import { printResult, runBench } from './train-eval.js';

const CCP_DIR = '/work/shared/datasets/ccp';
const MIN_SIDE = 12;

interface CcpPhoto {
  photo: string;
  tags: string[];
  boxes?: Record<string, [number, number, number, number]>;
}

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' } } });
const seed = Number(values.seed);
const tags = JSON.parse(fs.readFileSync(path.join(CCP_DIR, 'tags.json'), 'utf8')) as { not_garments: string[]; photos: CcpPhoto[] };
const notGarments = new Set(tags.not_garments);
const crops: { id: string; outfit: string; label: string; file: string; box: [number, number, number, number] }[] = [];
for (const p of tags.photos) {
  for (const [label, box] of Object.entries(p.boxes ?? {})) {
    if (notGarments.has(label) || box[2] - box[0] < MIN_SIDE || box[3] - box[1] < MIN_SIDE) continue;
    const outfit = path.basename(p.photo, '.jpg');
    crops.push({ id: `${outfit}:${label}`, outfit, label, file: path.join(CCP_DIR, p.photo), box });
  }
}
const sources: ImageSource[] = crops.map((c) => ({
  id: c.id,
  image: async (size, fit) => {
    const [x0, y0, x1, y1] = c.box;
    const png = await sharp(c.file)
      .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
      .png()
      .toBuffer();
    return decodeForEncoder(png, { size, fit });
  },
}));
const fsets = await cachedFeatures('ccp-crops-generic', sources);
const feat = new Map(fsets.ids.map((id, i) => [id, fsets.features[i]!]));
const items: TrainingItem[] = crops.map((c) => ({ id: c.id, features: feat.get(c.id)!, labels: [c.label], groups: [`outfit:${c.outfit}`] }));
console.log(`ccp: ${items.length} garment crops from ${new Set(crops.map((c) => c.outfit)).size} outfits, ${new Set(crops.map((c) => c.label)).size} labels; seed ${seed}`);
printResult(await runBench(items, { seed, signals: ['labels', 'groups'] }));
