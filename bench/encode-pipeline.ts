/**
 * Encode throughput of the whole pipeline (read files, decode, encode, write vectors in
 * transactions) vs the raw runtime on the same already-decoded tensors, side by side, for the
 * default lanes (`loupe encode`'s 'auto') and for one session with every thread, interleaved.
 *   node --import tsx bench/encode-pipeline.ts [--images N] [--threads N] [--reps N]
 * Uses ../shared/datasets/clothing when present (full-size photos), else the bundled sample.
 * Also prints the CPU each stage costs per photo (process CPU time, all threads) and the ceiling
 * they set: when the raw runtime already keeps every core busy, decoding and writing can only
 * come out of inference time, so no schedule beats inference / (inference + decode + write).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ingestCatalogue } from '../src/catalog/ingest.js';
import { dataPaths, imageFile } from '../src/config.js';
import { encodeMissing } from '../src/app/encode.js';
import { EncoderPool } from '../src/vision/encoder-pool.js';
import { openDb } from '../src/store/db.js';
import { ensureVersion, insertVectors } from '../src/store/vectors.js';
import { decodeForEncoder } from '../src/vision/decode.js';
import type { Encoder } from '../src/vision/encoder.js';
import { DEFAULT_ENCODER, KNOWN_BACKBONES } from '../src/vision/encoders.js';
import { LaneEncoder } from '../src/vision/lane-encoder.js';
import { CLOTHING, machine, report, SAMPLE, tempDir } from './common.js';

const { values } = parseArgs({ options: { images: { type: 'string' }, threads: { type: 'string' }, reps: { type: 'string' } } });
const reps = Number(values.reps ?? 2);
const n = Number(values.images ?? 480);
const threads = Number(values.threads ?? os.availableParallelism());
const work = tempDir('encode');

// A catalogue of the first n photos.
let catalogue = SAMPLE;
let map: string | undefined;
if (fs.existsSync(path.join(CLOTHING, 'images.csv'))) {
  const lines = fs.readFileSync(path.join(CLOTHING, 'images.csv'), 'utf8').trim().split('\n');
  const rows = lines
    .slice(1)
    .filter((l) => fs.existsSync(path.join(CLOTHING, 'images', `${l.split(',')[0]}.jpg`)))
    .slice(0, n);
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
const items = await db.query<{ id: string; image_hash: string; ext: string }>('SELECT i.id, i.image_hash, im.ext FROM items i JOIN images im ON im.hash = i.image_hash ORDER BY i.id');
console.log(`${items.length} photos (${map ? 'clothing set' : 'bundled sample'}), ${machine()}, threads=${threads}`);

/** CPU milliseconds (user + system, every thread of the process) per photo, and cores kept busy. */
function cpuSince(start: NodeJS.CpuUsage, wallSecs: number): { msPerPhoto: number; cores: number } {
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  return { msPerPhoto: ms / items.length, cores: ms / 1000 / wallSecs };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

let c0 = process.cpuUsage();
let t0 = performance.now();
const input = KNOWN_BACKBONES.find((b) => b.name === DEFAULT_ENCODER)!.input;
const decoded = await Promise.all(items.map((it) => decodeForEncoder(imageFile(paths, it.image_hash, it.ext), input)));
const decodeCpu = cpuSince(c0, (performance.now() - t0) / 1000);

const BATCH = 32;
type Config = { name: string; lanes: number | 'auto' };
const configs: Config[] = [
  { name: 'lanes auto (default)', lanes: 'auto' },
  { name: `1 session x ${threads} threads`, lanes: 1 },
];
type Run = { raw: number; pipe: number; rawCpu: ReturnType<typeof cpuSince>; pipeCpu: ReturnType<typeof cpuSince> };
const runs = new Map<string, Run[]>(configs.map((c) => [c.name, []]));
let lanesUsed = 1;
for (let rep = 0; rep < reps; rep++) {
  for (const [ci, config] of configs.entries()) {
    // Raw: the same encoder (worker threads and all) on tensors decoded beforehand.
    const pool = new EncoderPool(paths, { threads, lanes: config.lanes });
    const encoder: Encoder = await pool.get(DEFAULT_ENCODER);
    if (config.lanes === 'auto') lanesUsed = encoder instanceof LaneEncoder ? encoder.laneCount : 1;
    await encoder.encode(decoded.slice(0, 16)); // warm-up
    c0 = process.cpuUsage();
    t0 = performance.now();
    for (let i = 0; i < decoded.length; i += BATCH) await encoder.encode(decoded.slice(i, i + BATCH));
    const rawSecs = (performance.now() - t0) / 1000;
    const rawCpu = cpuSince(c0, rawSecs);
    // Pipeline: `loupe encode`'s job from the stored files into a fresh version.
    c0 = process.cpuUsage();
    t0 = performance.now();
    const result = await encodeMissing(db, paths, encoder, { version: `run-${rep}-${ci}`, encoderSpec: DEFAULT_ENCODER, batchSize: BATCH });
    const pipeSecs = (performance.now() - t0) / 1000;
    const pipeCpu = cpuSince(c0, pipeSecs);
    await pool.close();
    const run = { raw: items.length / rawSecs, pipe: result.encoded / pipeSecs, rawCpu, pipeCpu };
    runs.get(config.name)!.push(run);
    console.log(`rep ${rep + 1} ${config.name.padEnd(26)} raw ${run.raw.toFixed(1)} img/s, pipeline ${run.pipe.toFixed(1)} img/s, ${((run.pipe / run.raw) * 100).toFixed(1)}%`);
  }
}

// The write stage alone: the same vectors again, under a scratch version, in the job's batches.
const stored = await db.query<{ item_id: string; image_hash: string; vec: string }>(`SELECT item_id, image_hash, vec::text FROM embeddings WHERE version = 'run-0-0' ORDER BY item_id`);
const rows = stored.map((r) => ({ itemId: r.item_id, imageHash: r.image_hash, vec: JSON.parse(r.vec) as number[] }));
await ensureVersion(db, { name: 'write-check', kind: 'generic', encoder: 'bench', dims: rows[0]?.vec.length ?? 0 });
c0 = process.cpuUsage();
t0 = performance.now();
for (let i = 0; i < rows.length; i += BATCH) await db.transaction((tx) => insertVectors(tx, 'write-check', rows.slice(i, i + BATCH)));
const writeCpu = cpuSince(c0, (performance.now() - t0) / 1000);
await db.close();

const summary = configs.map((c) => {
  const rs = runs.get(c.name)!;
  return {
    config: c.name,
    raw_img_s: median(rs.map((r) => r.raw)),
    pipeline_img_s: median(rs.map((r) => r.pipe)),
    ratio: median(rs.map((r) => r.pipe / r.raw)),
    inference_cpu_ms: median(rs.map((r) => r.rawCpu.msPerPhoto)),
    raw_cores: median(rs.map((r) => r.rawCpu.cores)),
    pipeline_cpu_ms: median(rs.map((r) => r.pipeCpu.msPerPhoto)),
  };
});
const [auto, single] = summary as [(typeof summary)[0], (typeof summary)[0]];
console.log(`\nmedians of ${reps} interleaved run(s); the default runs ${lanesUsed} lane(s) of ${Math.max(1, Math.floor(threads / lanesUsed))} thread(s):`);
for (const s of summary) {
  console.log(`  ${s.config.padEnd(26)} raw ${s.raw_img_s.toFixed(1)} img/s, pipeline ${s.pipeline_img_s.toFixed(1)} img/s, pipeline / raw ${(s.ratio * 100).toFixed(1)}%`);
}
console.log(`pipeline / raw (default): ${(auto.ratio * 100).toFixed(1)}%  (goal >= 90%)`);
console.log(`default pipeline vs one ${threads}-thread session's pipeline: ${(auto.pipeline_img_s / single.pipeline_img_s).toFixed(2)}x`);
const ms = (x: number) => `${x.toFixed(2)} CPU-ms/photo`;
console.log(`\nCPU per photo, default lanes (cores busy):`);
console.log(`  inference, raw runtime: ${ms(auto.inference_cpu_ms)} (${auto.raw_cores.toFixed(2)} of ${os.availableParallelism()} cores)`);
console.log(`  decode (sharp):         ${ms(decodeCpu.msPerPhoto)}`);
console.log(`  write (one transaction per ${BATCH}): ${ms(writeCpu.msPerPhoto)}`);
console.log(`  whole pipeline:         ${ms(auto.pipeline_cpu_ms)}`);
const ceiling = auto.inference_cpu_ms / (auto.inference_cpu_ms + decodeCpu.msPerPhoto + writeCpu.msPerPhoto);
console.log(
  auto.raw_cores > 0.95 * os.availableParallelism()
    ? `  ceiling with every core already on inference: ${(ceiling * 100).toFixed(1)}% of raw`
    : `  the raw runtime leaves ${(os.availableParallelism() - auto.raw_cores).toFixed(2)} cores idle for decoding and writing`,
);
report('encode-pipeline', {
  images: items.length,
  threads,
  lanes: lanesUsed,
  reps,
  raw_img_s: auto.raw_img_s,
  pipeline_img_s: auto.pipeline_img_s,
  ratio: auto.ratio,
  lanes_vs_one_session: auto.pipeline_img_s / single.pipeline_img_s,
  configs: summary,
  cpu_ms_per_photo: { inference: auto.inference_cpu_ms, decode: decodeCpu.msPerPhoto, write: writeCpu.msPerPhoto, pipeline: auto.pipeline_cpu_ms },
  ceiling_if_cores_full: ceiling,
});
