import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp dir removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `loupe-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SAMPLE_DIR = path.join(REPO, 'examples/clothing-sample');
export const SAMPLE_CSV = path.join(SAMPLE_DIR, 'items.csv');

/** The sample catalogue's rows (id, image path, labels), read plainly for test setup. */
export function sampleRows(): { id: string; image: string; label: string; group: string }[] {
  const [, ...lines] = fs.readFileSync(SAMPLE_CSV, 'utf8').trim().split('\n');
  return lines.map((l) => {
    const [id, image, labels, groups] = l.split(',');
    return { id: id!, image: path.join(SAMPLE_DIR, image!), label: labels!, group: groups! };
  });
}

/**
 * Writes a catalogue of `n` sample rows (from `offset`) into `dir`, copying their real photos
 * into `dir/images` (catalogue paths may not leave the catalogue's folder).
 */
export function writeSubsetCatalogue(dir: string, n: number, offset = 0): string {
  const rows = sampleRows().slice(offset, offset + n);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(dir, 'images', path.basename(r.image)));
  const file = path.join(dir, `items-${offset}-${n}.csv`);
  const lines = rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`);
  fs.writeFileSync(file, ['id,image,labels,groups', ...lines].join('\n') + '\n');
  return file;
}
