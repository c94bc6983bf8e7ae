/**
 * Encode throughput of the whole pipeline (read files, decode, encode, write vectors in
 * transactions) vs the raw runtime on the same already-decoded tensors, side by side.
 *   node --import tsx bench/encode-pipeline.ts [--images N] [--threads N]
 * Uses ../shared/datasets/clothing when present (full-size photos), else the bundled sample.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ingestCatalogue } from '../src/catalog/ingest.js';
import { dataPaths, imageFile } from '../src/config.js';
import { encodeMissing } from '../src/jobs/encode.js';
import { EncoderPool } from '../src/services/encoders.js';
import { openDb } from '../src/store/db.js';
import { decodeForEncoder } from '../src/vision/decode.js';
import { createEncoder, DEFAULT_ENCODER } from '../src/vision/encoders.js';
import { CLOTHING, machine, report, SAMPLE, tempDir } from './common.js';

const { values } = parseArgs({ options: { images: { type: 'string' }, threads: { type: 'string' } } });
const n = Number(values.images ?? 480);
const threads = Number(values.threads ?? os.availableParallelism());
const work = tempDir('encode');

// A catalogue of the first n photos.
let catalogue = SAMPLE;
let map: string | undefined;
if (fs.existsSync(path.join(CLOTHING, 'images.csv'))) {
  const lines = fs.readFileSync(path.join(CLOTHING, 'images.csv'), 'utf8').trim().split('\n');
  const rows = lines.slice(1).filter((l) => fs.existsSync(path.join(CLOTHING, 'images', `${l.split(',')[0]}.jpg`))).slice(0, n);
  fs.mkdirSync(path.join(work, 'images'));
  for (const r of rows) fs.symlinkSync(path.join(CLOTHING, 'images', `${r.split(',')[0]}.jpg`), path.join(work, 'images', `${r.split(',')[0]}.jpg`));
  catalogue = path.join(work, 'images.csv');
  fs.writeFileSync(catalogue, [lines[0], ...rows].join('\n') + '\n');
  map = 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id';
}
// Symlinks inside the folder pointing outside are refused by ingest; copy instead when that happens.
const paths = dataPaths(path.join(work, 'data'));
const db = await openDb({ dir: paths.db });
let ingest = await ingestCatalogue(db, paths, catalogue, map ? { map } : {});
if (ingest.errors.length && map) {
  for (const f of fs.readdirSync(path.join(work, 'images'))) {
    const p = path.join(work, 'images', f);
    const real = fs.realpathSync(p);
    fs.rmSync(p);
    fs.copyFileSync(real, p);
  }
  ingest = await ingestCatalogue(db, paths, catalogue, { map });
}
const items = await db.query<{ id: string; image_hash: string; ext: string }>(
  'SELECT i.id, i.image_hash, im.ext FROM items i JOIN images im ON im.hash = i.image_hash ORDER BY i.id',
);
console.log(`${items.length} photos (${map ? 'clothing set' : 'bundled sample'}), ${machine()}, threads=${threads}`);

const encoder = await createEncoder(DEFAULT_ENCODER, { modelsDir: paths.models, threads });
const decoded = await Promise.all(items.map((it) => decodeForEncoder(imageFile(paths, it.image_hash, it.ext), encoder.input)));
await encoder.encode(decoded.slice(0, 8)); // warm-up

const BATCH = 32;
const t0 = performance.now();
for (let i = 0; i < decoded.length; i += BATCH) await encoder.encode(decoded.slice(i, i + BATCH));
const rawSecs = (performance.now() - t0) / 1000;

await encoder.close();
// The pipeline as `loupe encode` runs it: the encoder in a worker thread, decode and writes beside it.
const pool = new EncoderPool(paths, undefined, threads);
const worker = await pool.get(DEFAULT_ENCODER);
await worker.encode(decoded.slice(0, 8)); // warm-up
const t1 = performance.now();
const result = await encodeMissing(db, paths, worker, { version: 'generic', encoderSpec: DEFAULT_ENCODER, batchSize: BATCH });
const pipeSecs = (performance.now() - t1) / 1000;
await pool.close();
await db.close();

const raw = items.length / rawSecs;
const pipe = result.encoded / pipeSecs;
console.log(`raw runtime (decoded tensors): ${raw.toFixed(1)} img/s`);
console.log(`whole pipeline (files -> db):  ${pipe.toFixed(1)} img/s`);
console.log(`pipeline / raw: ${((pipe / raw) * 100).toFixed(1)}%  (goal >= 90%)`);
report('encode-pipeline', { images: items.length, threads, raw_img_s: raw, pipeline_img_s: pipe, ratio: pipe / raw });
