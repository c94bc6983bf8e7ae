/** The proof report's timings (app/report.ts), taken in this process on the serving paths themselves. */
import fs from 'node:fs';
import { LoupeError } from '../errors.js';
import { imageFile, type DataPaths } from '../config.js';
import type { IndexRegistry } from '../index/registry.js';
import { percentile } from '../report/cost.js';
import type { DetectionCost, LatencyReport, LatencyStats } from '../report/proof.js';
import type { Db } from '../store/db.js';
import type { SampleImage } from '../store/report.js';
import { decodeForEncoder } from '../vision/decode.js';
import type { EncoderPool } from '../vision/encoder-pool.js';
import { imageQueryVector } from '../vision/query-vectors.js';
import { detectScene, loadSceneDetector } from './scene.js';
import { nearestToVector } from './search.js';
import { similarFromIndex } from './similar.js';

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function timeEach(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<LatencyStats> {
  const ms: number[] = [];
  const cpu0 = cpuSeconds();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  const cpu = cpuSeconds() - cpu0;
  return { requests: n, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), meanMs: ms.reduce((a, b) => a + b, 0) / Math.max(1, n), cpuSecondsPerRequest: cpu / Math.max(1, n) };
}

export function readOriginal(paths: DataPaths, img: SampleImage): Uint8Array {
  return fs.readFileSync(imageFile(paths, img.hash, img.ext));
}

/**
 * More like this for each sampled item, first from its stored vector, then as if its photo had
 * to be encoded at request time. Precomputed searches repeat `repeat` times per item so the
 * sub-millisecond timings are not all clock noise.
 */
export async function measureLatency(db: Db, paths: DataPaths, indexes: IndexRegistry, pool: EncoderPool, version: string, sample: readonly SampleImage[], k = 10): Promise<LatencyReport> {
  if (!sample.length) throw new LoupeError('conflict', `no items with a '${version}' vector to time: run \`loupe encode\` first`);
  await indexes.get(version);
  const bytes = sample.map((s) => readOriginal(paths, s));
  // Warm-up: the encoder worker starts and the model loads once, as in a running server.
  await imageQueryVector(db, paths, pool, version, bytes[0]!);
  similarFromIndex(indexes, version, sample[0]!.id, k);

  const repeat = 5;
  const timed = await timeEach(sample.length * repeat, (i) => {
    if (!similarFromIndex(indexes, version, sample[i % sample.length]!.id, k)) throw new LoupeError('conflict', `item ${sample[i % sample.length]!.id} has no '${version}' vector`);
  });
  // A precomputed answer is synchronous work on this thread, so its wall time bounds its CPU time. The
  // process's CPU clock would also count the encoder threads still spinning after the warm-up, which
  // made this tiny number (and every cost ratio built on it) swing by 3x from run to run.
  const precomputed = { ...timed, cpuSecondsPerRequest: timed.meanMs / 1000 };
  const requestTime = await timeEach(sample.length, async (i) => {
    const vec = await imageQueryVector(db, paths, pool, version, bytes[i]!);
    return nearestToVector(indexes, version, vec, k + 1);
  });
  return { version, k, precomputed, requestTime, ratioP50: requestTime.p50Ms / precomputed.p50Ms, ratioP99: requestTime.p99Ms / precomputed.p99Ms };
}

/** CPU-seconds per image to decode and encode catalogue photos with backbone `spec`, in batches as `loupe encode` does. */
export async function measureEncodeCpu(
  paths: DataPaths,
  pool: EncoderPool,
  spec: string,
  sample: readonly SampleImage[],
  batch = 16,
): Promise<{ images: number; cpuSecondsPerImage: number; imagesPerSecond: number }> {
  const encoder = await pool.get(spec);
  const bytes = sample.map((s) => readOriginal(paths, s));
  await encoder.encode([await decodeForEncoder(bytes[0]!, encoder.input)]);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < bytes.length; i += batch) {
    const images = await Promise.all(bytes.slice(i, i + batch).map((b) => decodeForEncoder(b, encoder.input)));
    await encoder.encode(images);
  }
  const wall = (performance.now() - t0) / 1000;
  return { images: bytes.length, cpuSecondsPerImage: (cpuSeconds() - cpu0) / bytes.length, imagesPerSecond: bytes.length / wall };
}

/**
 * The detection cost of an uploaded photo (scene service's detectScene, as POST /api/search/scene
 * runs it) on up to `n` of the sampled catalogue photos, spread over the sample. The model load is
 * timed on its own; one untimed warm-up photo follows it, as for the other latencies.
 */
export async function measureDetection(paths: DataPaths, sample: readonly SampleImage[], n = 8): Promise<DetectionCost> {
  if (!sample.length) throw new LoupeError('conflict', 'no catalogue photos to detect objects in');
  const step = Math.max(1, Math.ceil(sample.length / n));
  const bytes = sample.filter((_, i) => i % step === 0).map((s) => readOriginal(paths, s));
  const t0 = performance.now();
  await loadSceneDetector();
  const loadMs = performance.now() - t0;
  await detectScene(bytes[0]!);
  let objects = 0;
  const timed = await timeEach(bytes.length, async (i) => {
    objects += (await detectScene(bytes[i]!)).objects.length;
  });
  return { photos: bytes.length, p50Ms: timed.p50Ms, p99Ms: timed.p99Ms, loadMs, objectsPerPhoto: objects / bytes.length };
}
