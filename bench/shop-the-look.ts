/**
 * Shop the look on a dev case built from clothing-co-parsing (ccp). Protocol, fixed before any score
 * was seen:
 * - catalogue: the 4,881 garment crops of ccp photos 0001-1004 (their annotated boxes; not null, skin,
 *   hair; both sides >= 12 px), generic vectors, read through complete-data.ts (one crop cache);
 * - scenes: every 5th of those photos (0005, 0010, ...) that has at least one crop, queried as the
 *   whole photo; its products are its own crops, which are in the catalogue;
 * - shop the look: the detector's objects (src/vision/detector.ts: a person as upper body / lower
 *   body / feet, other COCO objects as found, the whole photo when nothing is found, as the
 *   service does), each region encoded as the service encodes it (decodeFull + cropForEncoder), top-10
 *   per object over the catalogue by cosine; the list is the union of those lists, L distinct items.
 *   Two ways to cut a person, side by side: its MoveNet pose (the service's default) and fixed bands
 *   of its box (the first version; the pose rows were added after the bands had been scored);
 * - baseline: the whole photo's vector, top-L over the same catalogue (same total length);
 * - metric: mean over scenes of (products found in the list) / (products). Goal: >= 2x the baseline.
 *   The whole-photo top-10 is printed as an anchor.
 * - cost: wall time of detection per photo (decode + CenterNet + box decoding, plus MoveNet per
 *   person for the pose cut), p50/p99, after one warm-up call (the model loads are printed apart);
 *   region encoding is timed apart.
 *   npm run bench -- shop-the-look
 */
import fs from 'node:fs';
import path from 'node:path';
import { createEncoder, DEFAULT_ENCODER } from '../src/vision/encoders.js';
import { cropForEncoder, decodeFull, probeImage } from '../src/vision/decode.js';
import { detectCoco, detectObjects, garmentRegions } from '../src/vision/detector.js';
import type { Box } from '../src/vision/boxes.js';
import { CACHE_DIR } from './train-features.js';
import { ccpCropItems, CCP_DIR } from './complete-data.js';
import { machine, report, summarize } from './common.js';

const EVERY = 5;
const K = 10;

const items = await ccpCropItems();
const dims = items[0]!.features.length;
const catalogue = new Float32Array(items.length * dims);
items.forEach((it, i) => catalogue.set(it.features, i * dims));
const outfitOf = (id: string) => id.slice(0, id.indexOf(':'));
const productsOf = new Map<string, Set<number>>();
items.forEach((it, i) => {
  const o = outfitOf(it.id);
  if (!productsOf.has(o)) productsOf.set(o, new Set());
  productsOf.get(o)!.add(i);
});
const scenes = [...productsOf.keys()].filter((o) => Number(o) % EVERY === 0).sort();
console.log(`catalogue ${items.length} garment crops from ${productsOf.size} photos; ${scenes.length} scenes (every ${EVERY}th photo); ${machine()}`);

/** Indices of the top `k` catalogue items by cosine (vectors are unit length). */
function topK(q: Float32Array, k: number): number[] {
  const scores = new Float32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    let s = 0;
    const off = i * dims;
    for (let d = 0; d < dims; d++) s += q[d]! * catalogue[off + d]!;
    scores[i] = s;
  }
  return Array.from(scores.keys())
    .sort((a, b) => scores[b]! - scores[a]!)
    .slice(0, k);
}

const recall = (list: readonly number[], products: ReadonlySet<number>) => list.filter((i) => products.has(i)).length / products.size;

const encoder = await createEncoder(DEFAULT_ENCODER, { modelsDir: path.join(CACHE_DIR, 'models') });
const first = path.join(CCP_DIR, 'photos', `${scenes[0]}.jpg`);
const loadStart = performance.now();
{
  const b = new Uint8Array(fs.readFileSync(first));
  const { width, height } = await probeImage(b);
  await detectObjects(b, width, height);
}
const loadMs = performance.now() - loadStart;

const modes = ['pose', 'bands'] as const;
type Mode = (typeof modes)[number];
const detectMs: Record<Mode, number[]> = { pose: [], bands: [] };
const encodeMs: number[] = [];
const blank = () => ({ shop: 0, whole: 0, objects: 0, listLength: 0 });
const sums: Record<Mode, ReturnType<typeof blank>> = { pose: blank(), bands: blank() };
let whole10 = 0;
let fallback = 0;
const labelCounts: Record<string, number> = {};
for (const [n, outfit] of scenes.entries()) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(CCP_DIR, 'photos', `${outfit}.jpg`)));
  const { width, height } = await probeImage(bytes);
  const t0 = performance.now();
  const coco = await detectCoco(bytes, width, height);
  const cocoMs = performance.now() - t0;
  const bands = await garmentRegions(coco, width, height);
  detectMs.bands.push(cocoMs);
  const t1 = performance.now();
  const full = await decodeFull(bytes);
  const pose = await garmentRegions(coco, width, height, full);
  detectMs.pose.push(cocoMs + performance.now() - t1);
  if (!coco.length) fallback++;
  for (const d of coco) labelCounts[d.label] = (labelCounts[d.label] ?? 0) + 1;
  const boxesOf = (found: typeof pose): Box[] => (found.length ? found.map((d) => d.box) : [[0, 0, width, height]]);
  const t2 = performance.now();
  const crops = await Promise.all([[0, 0, width, height] as Box, ...boxesOf(pose)].map((b) => cropForEncoder(full, b, encoder.input)));
  const [wholeVec, ...poseVecs] = await encoder.encode(crops);
  encodeMs.push(performance.now() - t2);
  const bandVecs = await encoder.encode(await Promise.all(boxesOf(bands).map((b) => cropForEncoder(full, b, encoder.input))));
  const products = productsOf.get(outfit)!;
  for (const [mode, vecs] of [
    ['pose', poseVecs],
    ['bands', bandVecs],
  ] as const) {
    const union = [...new Set(vecs.flatMap((v) => topK(v, K)))];
    sums[mode].shop += recall(union, products);
    sums[mode].whole += recall(topK(wholeVec!, union.length), products);
    sums[mode].objects += vecs.length;
    sums[mode].listLength += union.length;
  }
  whole10 += recall(topK(wholeVec!, K), products);
  if ((n + 1) % 50 === 0)
    console.log(
      `${n + 1}/${scenes.length} scenes: pose ${(sums.pose.shop / (n + 1)).toFixed(3)}, bands ${(sums.bands.shop / (n + 1)).toFixed(3)}, whole photo (pose length) ${(sums.pose.whole / (n + 1)).toFixed(3)}`,
    );
}
await encoder.close();

const S = scenes.length;
const rows = Object.fromEntries(
  modes.map((m) => {
    const r = sums[m];
    return [m, { shopTheLook: r.shop / S, wholePhotoSameLength: r.whole / S, ratio: r.shop / r.whole, meanObjects: r.objects / S, meanListLength: r.listLength / S, detectMs: summarize(detectMs[m]) }];
  }),
) as Record<Mode, { shopTheLook: number; wholePhotoSameLength: number; ratio: number; meanObjects: number; meanListLength: number; detectMs: ReturnType<typeof summarize> }>;
const enc = summarize(encodeMs);
console.log(`\nrecall of the scene's products (${S} scenes; top-${K} per object; whole photo top-L of the same length):`);
for (const m of modes) {
  const r = rows[m];
  console.log(
    `  person cut by ${m.padEnd(5)}: union ${r.shopTheLook.toFixed(3)} vs whole photo ${r.wholePhotoSameLength.toFixed(3)} = ${r.ratio.toFixed(2)}x (goal >= 2x); ${r.meanObjects.toFixed(2)} objects, list ${r.meanListLength.toFixed(1)}; detection p50 ${r.detectMs.p50.toFixed(0)} ms, p99 ${r.detectMs.p99.toFixed(0)} ms`,
  );
}
console.log(`  whole photo, top-${K} (anchor) ${(whole10 / S).toFixed(3)}`);
console.log(`  photos with nothing detected (whole-photo fallback): ${fallback}; COCO objects by label ${JSON.stringify(labelCounts)}`);
console.log(`model load + first photo ${loadMs.toFixed(0)} ms; region encoding per photo (pose regions + whole photo) p50 ${enc.p50.toFixed(0)} ms, p99 ${enc.p99.toFixed(0)} ms`);
report('shop-the-look', { scenes: S, catalogue: items.length, k: K, rows, wholePhotoTop10: whole10 / S, fallbackPhotos: fallback, labels: labelCounts, encodeMs: enc, modelLoadMs: loadMs });
