/**
 * The two complete-the-group catalogues the complete bench reads, as training items over cached generic
 * features (.tmp/, git-ignored; the photos stay outside the repo):
 * - ccp: garment crops from the boxes of clothing-co-parsing photos 0001-1004, labelled by garment tag,
 *   grouped by outfit photo (real "worn together" groups);
 * - clothing: the clothing set's labelled photos grouped by sender (a weak "goes with" signal).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { TrainingItem } from '../src/embedding/types.js';
import { imageColour } from '../src/vision/colour.js';
import { decodeForEncoder } from '../src/vision/decode.js';
import { CACHE_DIR, cachedFeatures, CLOTHING_DIR, CLOTHING_NOT_CLASSES, clothingRows, type ImageSource } from './train-features.js';

/** Each source's colour vector (src/vision/colour.ts, what the product computes per photo), cached under .tmp/. */
async function cachedColours(cacheName: string, sources: readonly { id: string; image: () => Promise<Uint8Array | string> }[]): Promise<Map<string, Float32Array>> {
  const file = path.join(CACHE_DIR, `${cacheName}.colours.json`);
  const cached = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number[]>) : {};
  let changed = false;
  for (const s of sources) {
    if (cached[s.id]) continue;
    cached[s.id] = [...(await imageColour(await s.image()))];
    changed = true;
  }
  if (changed) fs.writeFileSync(file, JSON.stringify(cached));
  return new Map(sources.map((s) => [s.id, Float32Array.from(cached[s.id]!)]));
}

export const CCP_DIR = '/work/shared/datasets/ccp';
const MIN_SIDE = 12;

interface CcpPhoto {
  photo: string;
  tags: string[];
  boxes?: Record<string, [number, number, number, number]>;
}

/** The crops bench/train-ccp.ts also reads (one cache): id `<outfit>:<label>`, group `outfit:<outfit>`. */
export async function ccpCropItems(): Promise<TrainingItem[]> {
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
  const colours = await cachedColours(
    'ccp-crops',
    crops.map((c) => ({
      id: c.id,
      image: () => {
        const [x0, y0, x1, y1] = c.box;
        return sharp(c.file)
          .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
          .png()
          .toBuffer();
      },
    })),
  );
  return crops.map((c) => ({ id: c.id, features: feat.get(c.id)!, labels: [c.label], groups: [`outfit:${c.outfit}`], colour: colours.get(c.id) }));
}

/** Labelled clothing photos grouped by sender (same cache as bench/train-clothing.ts). */
export async function clothingSenderItems(): Promise<TrainingItem[]> {
  const rows = clothingRows();
  const fsets = await cachedFeatures(
    'clothing-generic',
    rows.map((r) => ({ id: r.id, image: path.join(CLOTHING_DIR, 'images', `${r.id}.jpg`) })),
  );
  const feat = new Map(fsets.ids.map((id, i) => [id, fsets.features[i]!]));
  const kept = rows.filter((r) => !CLOTHING_NOT_CLASSES.has(r.label));
  const colours = await cachedColours(
    'clothing',
    kept.map((r) => ({ id: r.id, image: () => Promise.resolve(path.join(CLOTHING_DIR, 'images', `${r.id}.jpg`)) })),
  );
  return kept.map((r) => ({ id: r.id, features: feat.get(r.id)!, labels: [r.label], groups: [`sender:${r.sender}`], colour: colours.get(r.id) }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ccp = await ccpCropItems();
  const cl = await clothingSenderItems();
  console.log(`ccp crops ${ccp.length}, clothing ${cl.length}`);
}
