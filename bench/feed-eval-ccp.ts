/**
 * Feed quality on clothing-co-parsing outfits: every garment box of photos 0001-1004 is cropped
 * into an item (label: the garment), and each outfit (photo) is a group. With no events, each
 * outfit plays a user who saved its garments (leave-last-k-out), as in bench/feed-eval.ts.
 *   node --import tsx bench/feed-eval-ccp.ts [--data DIR] [--holdout 2]
 * Builds the crop catalogue under .tmp/ccp-outfits once, then runs bench/feed-eval.ts on it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/feed-ccp') },
    holdout: { type: 'string', default: '2' },
    'min-side': { type: 'string', default: '32' },
  },
});
const CCP = path.resolve(import.meta.dirname, '../../shared/datasets/ccp');
const OUT = path.resolve(import.meta.dirname, '../.tmp/ccp-outfits');
const catalogue = path.join(OUT, 'items.csv');
interface Photo {
  photo: string;
  boxes?: Record<string, [number, number, number, number]>;
}
if (!fs.existsSync(catalogue)) {
  const tags = JSON.parse(fs.readFileSync(path.join(CCP, 'tags.json'), 'utf8')) as { not_garments: string[]; photos: Photo[] };
  const skip = new Set(tags.not_garments);
  const minSide = Number(values['min-side']);
  fs.mkdirSync(path.join(OUT, 'images'), { recursive: true });
  const rows = ['id,image,title,labels,groups'];
  for (const p of tags.photos) {
    if (!p.boxes) continue;
    const outfit = path.basename(p.photo, '.jpg');
    for (const [label, [x0, y0, x1, y1]] of Object.entries(p.boxes)) {
      if (skip.has(label) || x1 - x0 < minSide || y1 - y0 < minSide) continue;
      const id = `${outfit}-${label}`;
      await sharp(path.join(CCP, p.photo))
        .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
        .jpeg({ quality: 90 })
        .toFile(path.join(OUT, 'images', `${id}.jpg`));
      rows.push(`${id},images/${id}.jpg,${label} in outfit ${outfit},${label},outfit-${outfit}`);
    }
  }
  fs.writeFileSync(catalogue, rows.join('\n') + '\n');
  console.log(`cropped ${rows.length - 1} garments into ${OUT}`);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, 'feed-eval.ts'), '--data', values.data!, '--catalogue', catalogue, '--map', 'id=id', '--holdout', values.holdout!, '--name', 'feed-eval-ccp'],
  { stdio: 'inherit' },
);
process.exitCode = res.status ?? 1;
