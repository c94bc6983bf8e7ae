// Builds examples/clothing-sample from ../shared/datasets/clothing (CC0): a seeded, label-stratified
// subset, downsized, with its labels. Run once by maintainers: `node --import tsx scripts/make-sample.ts`.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const SRC = path.resolve('../shared/datasets/clothing');
const OUT = path.resolve('examples/clothing-sample');
const PER_CLASS = 18;
const NOT_CLASSES = new Set(['Not sure', 'Skip', 'Other']);

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rows = fs
  .readFileSync(path.join(SRC, 'images.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [image, sender, label, kids] = l.split(',');
    return { image: image!, sender: sender!, label: label!, kids: kids === 'True' };
  });
const byLabel = new Map<string, typeof rows>();
for (const r of rows) {
  if (NOT_CLASSES.has(r.label) || !fs.existsSync(path.join(SRC, 'images', `${r.image}.jpg`))) continue;
  byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
}
const rand = mulberry32(7);
const picked: typeof rows = [];
for (const label of [...byLabel.keys()].sort()) {
  const list = [...byLabel.get(label)!].sort((a, b) => a.image.localeCompare(b.image));
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  picked.push(...list.slice(0, PER_CLASS));
}
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(path.join(OUT, 'images'), { recursive: true });
const lines = ['id,image,labels,groups,kids'];
for (const r of picked) {
  await sharp(path.join(SRC, 'images', `${r.image}.jpg`))
    .rotate()
    .resize(300, 400, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 78, mozjpeg: true })
    .toFile(path.join(OUT, 'images', `${r.image}.jpg`));
  lines.push([r.image, `images/${r.image}.jpg`, r.label, `sender-${r.sender}`, r.kids].join(','));
}
fs.writeFileSync(path.join(OUT, 'items.csv'), lines.join('\n') + '\n');
fs.copyFileSync(path.join(SRC, 'LICENSE'), path.join(OUT, 'LICENSE'));
console.log(`${picked.length} items from ${byLabel.size} labels -> ${OUT}`);
