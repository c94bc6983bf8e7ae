/**
 * Generic features for bench/test image sets, computed once and cached under .tmp/ (git-ignored):
 * `<name>.f32` (rows of float32) + `<name>.json` ({ ids, dims, encoder }).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeForEncoder } from '../src/vision/decode.js';
import { createEncoder, DEFAULT_ENCODER } from '../src/vision/encoders.js';
import type { RgbImage } from '../src/vision/encoder.js';

export const REPO = path.resolve(import.meta.dirname, '..');
export const CACHE_DIR = path.join(REPO, '.tmp');

export interface FeatureSet {
  readonly encoder: string;
  readonly ids: readonly string[];
  readonly features: readonly Float32Array[];
}

export interface ImageSource {
  readonly id: string;
  /** A file path, or a function producing decoded pixels (e.g. a crop). */
  readonly image: string | ((size: number, fit: 'cover' | 'contain' | 'fill') => Promise<RgbImage>);
}

/** Loads `<cacheName>` from .tmp/, or encodes `sources` with the default generic encoder and caches them. */
export async function cachedFeatures(cacheName: string, sources: readonly ImageSource[], log = (m: string) => console.error(m)): Promise<FeatureSet> {
  const bin = path.join(CACHE_DIR, `${cacheName}.f32`);
  const meta = path.join(CACHE_DIR, `${cacheName}.json`);
  if (fs.existsSync(bin) && fs.existsSync(meta)) {
    const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as { ids: string[]; dims: number; encoder: string };
    const buf = fs.readFileSync(bin);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const wanted = new Set(sources.map((s) => s.id));
    if (m.ids.length * m.dims === all.length && sources.every((s) => m.ids.includes(s.id))) {
      const rows = m.ids.map((_, i) => all.subarray(i * m.dims, (i + 1) * m.dims));
      const keep = m.ids.map((id, i) => [id, i] as const).filter(([id]) => wanted.has(id));
      return { encoder: m.encoder, ids: keep.map(([id]) => id), features: keep.map(([, i]) => rows[i]!) };
    }
    log(`${cacheName}: cache does not cover the requested items; re-encoding`);
  }
  const enc = await createEncoder(DEFAULT_ENCODER, { modelsDir: path.join(CACHE_DIR, 'models') });
  const t0 = Date.now();
  const features: Float32Array[] = [];
  const BATCH = 32;
  try {
    for (let s = 0; s < sources.length; s += BATCH) {
      const chunk = sources.slice(s, s + BATCH);
      const imgs = await Promise.all(chunk.map((src) => (typeof src.image === 'string' ? decodeForEncoder(src.image, enc.input) : src.image(enc.input.size, enc.input.fit))));
      features.push(...(await enc.encode(imgs)));
      if ((s / BATCH) % 20 === 0) log(`${cacheName}: ${features.length}/${sources.length} (${((features.length * 1000) / (Date.now() - t0)).toFixed(1)} img/s)`);
    }
  } finally {
    await enc.close();
  }
  const dims = features[0]?.length ?? 0;
  const all = new Float32Array(features.length * dims);
  features.forEach((f, i) => all.set(f, i * dims));
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.writeFileSync(bin + '.tmp', Buffer.from(all.buffer));
  fs.renameSync(bin + '.tmp', bin);
  fs.writeFileSync(meta, JSON.stringify({ ids: sources.map((s) => s.id), dims, encoder: enc.id }));
  log(`${cacheName}: encoded ${features.length} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { encoder: enc.id, ids: sources.map((s) => s.id), features };
}

export interface ClothingRow {
  readonly id: string;
  readonly sender: string;
  readonly label: string;
  readonly kids: boolean;
}

export const CLOTHING_DIR = '/work/shared/datasets/clothing';
/** Not garment classes in the clothing dataset (see its README). */
export const CLOTHING_NOT_CLASSES: ReadonlySet<string> = new Set(['Not sure', 'Skip', 'Other']);

/** images.csv rows whose image exists. */
export function clothingRows(dir = CLOTHING_DIR): ClothingRow[] {
  const lines = fs.readFileSync(path.join(dir, 'images.csv'), 'utf8').trim().split('\n').slice(1);
  return lines
    .map((l) => {
      const [image, sender, label, kids] = l.split(',');
      return { id: image!, sender: sender!, label: label!, kids: kids === 'True' };
    })
    .filter((r) => fs.existsSync(path.join(dir, 'images', `${r.id}.jpg`)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = clothingRows();
  await cachedFeatures(
    'clothing-generic',
    rows.map((r) => ({ id: r.id, image: path.join(CLOTHING_DIR, 'images', `${r.id}.jpg`) })),
  );
}
