/**
 * Generic encoders: the ONNX writer, the tfjs->ONNX converter (against a JS reference of TF
 * semantics and against tfjs itself on real photos), feature sanity on the labelled sample,
 * model caching and the createEncoder entry point.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import ort from 'onnxruntime-node';
import { dataPaths } from '../../src/config.js';
import { EncoderPool } from '../../src/vision/encoder-pool.js';
import { convertTfjsGraph, ensureNsfwjsOnnx, UnsupportedOpError } from '../../src/vision/convert.js';
import { decodeForEncoder } from '../../src/vision/decode.js';
import type { RgbImage } from '../../src/vision/encoder.js';
import { createEncoder, DEFAULT_ENCODER, EncoderSpecError, formatEncoderSpec, KNOWN_BACKBONES, parseEncoderSpec, type RuntimeEncoder } from '../../src/vision/encoders.js';
import { defaultLanes, LaneEncoder } from '../../src/vision/lane-encoder.js';
import type { TfNodeDef, WeightTensor } from '../../src/vision/nsfw-model.js';
import { GraphBuilder, attr } from '../../src/vision/onnx-proto.js';

const SAMPLE = path.join(import.meta.dirname, '..', '..', 'examples', 'clothing-sample');
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

// ---------- ONNX writer ----------

test('onnx-proto: a hand-built model runs in onnxruntime (symbolic batch, int64 and negative attributes)', async () => {
  const g = new GraphBuilder('t');
  g.input('x', 'float32', ['batch', 4]);
  const m = g.node('MatMul', ['x', g.initializer('w', new Float32Array([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, -4]), [4, 4])]);
  const c = g.node('Clip', [m, g.initializer('lo', new Float32Array([-1]), []), g.initializer('hi', new Float32Array([5]), [])]);
  const r = g.node('Reshape', [c, g.initializer('shape', new BigInt64Array([-1n, 2n]), [2])]);
  g.node('Flatten', [r], { axis: attr.int(-1) }, ['y']);
  g.output('y', 'float32', ['n', 2]);
  const session = await ort.InferenceSession.create(g.toBytes());
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 1, 1, 1, 1, 2, 3, 4]), [2, 4]) });
  assert.deepEqual(out.y!.dims, [4, 2]);
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [1, 2, 3, -1, 1, 4, 5, -1]);
  await session.release();
});

// ---------- converter on a synthetic graph vs a JS reference of TF semantics ----------

const b64 = (s: string) => Buffer.from(s).toString('base64');
const listI = (xs: number[]) => ({ list: { i: xs.map(String) } });
const fused = (ops: string[]) => ({ list: { s: ops.map(b64) } });
const node = (name: string, op: string, input: string[], a: TfNodeDef['attr'] = {}): TfNodeDef => ({ name, op, input, attr: a });
const placeholder = (h: number, w: number, c: number) =>
  node('input', 'Placeholder', [], { shape: { shape: { dim: [{ size: '-1' }, { size: String(h) }, { size: String(w) }, { size: String(c) }] } } });

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

/** TF conv/depthwise, NHWC, SAME padding with the odd pixel at the bottom/right. */
function refConv(x: Float32Array, H: number, W: number, C: number, w: WeightTensor, stride: number, depthwise: boolean): { y: Float32Array; oh: number; ow: number; oc: number } {
  const [kh, kw, , m] = w.shape as [number, number, number, number];
  const oh = Math.ceil(H / stride),
    ow = Math.ceil(W / stride);
  const top = Math.floor(Math.max((oh - 1) * stride + kh - H, 0) / 2),
    left = Math.floor(Math.max((ow - 1) * stride + kw - W, 0) / 2);
  const oc = depthwise ? C * m : m;
  const y = new Float32Array(oh * ow * oc);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let o = 0; o < oc; o++) {
        let acc = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - top + ky,
              ix = ox * stride - left + kx;
            if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
            if (depthwise) {
              const c = Math.floor(o / m);
              acc += x[(iy * W + ix) * C + c]! * w.data[((ky * kw + kx) * C + c) * m + (o % m)]!;
            } else for (let c = 0; c < C; c++) acc += x[(iy * W + ix) * C + c]! * w.data[((ky * kw + kx) * C + c) * m + o]!;
          }
        y[(oy * ow + ox) * oc + o] = acc;
      }
  return { y, oh, ow, oc };
}

test('converter: SAME padding, filter layouts, depthwise order, fused ops and pooling match TF semantics', async () => {
  const H = 6,
    C = 2; // stride 2 on an even size: TF pads 0 on top, 1 at the bottom
  const weights = new Map<string, WeightTensor>([
    ['two', { shape: [], data: new Float32Array([2]) }],
    ['one', { shape: [], data: new Float32Array([1]) }],
    ['w1', { shape: [3, 3, C, 3], data: rand(3 * 3 * C * 3, 1) }],
    ['b1', { shape: [3], data: rand(3, 2) }],
    ['w2', { shape: [3, 3, 3, 2], data: rand(3 * 3 * 3 * 2, 3) }],
    ['b2', { shape: [6], data: rand(6, 4) }],
  ]);
  const conv = (strides: number[], ops: string[]) => ({ strides: listI(strides), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, fused_ops: fused(ops) });
  const nodes: TfNodeDef[] = [
    placeholder(H, H, C),
    ...['two', 'one', 'w1', 'b1', 'w2', 'b2'].map((n) => node(n, 'Const', [])),
    node('mul', 'Mul', ['two', 'input']),
    node('sub', 'Sub', ['mul', 'one']),
    node('conv', '_FusedConv2D', ['sub', 'w1', 'b1'], conv([1, 2, 2, 1], ['BiasAdd', 'Relu6'])),
    node('dw', 'FusedDepthwiseConv2dNative', ['conv', 'w2', 'b2'], conv([1, 1, 1, 1], ['BiasAdd'])),
    node('pool', 'AvgPool', ['dw'], { ksize: listI([1, 3, 3, 1]), strides: listI([1, 1, 1, 1]), padding: { s: b64('VALID') } }),
    node('features', 'Squeeze', ['pool'], { squeeze_dims: listI([1, 2]) }),
    node('head', 'Softmax', ['features']), // beyond the cut: must be ignored
  ];
  const model = convertTfjsGraph({ node: nodes }, weights, { outputNode: 'features' });
  assert.deepEqual(model.inputShape, [C, H, H]);
  assert.equal(model.dims, 6);

  const x = rand(H * H * C, 9).map((v) => (v + 1) / 2); // NHWC in [0,1]
  const pre = x.map((v) => v * 2 - 1);
  const l1 = refConv(pre, H, H, C, weights.get('w1')!, 2, false);
  const a1 = l1.y.map((v, i) => Math.min(6, Math.max(0, v + weights.get('b1')!.data[i % 3]!)));
  const l2 = refConv(a1, l1.oh, l1.ow, l1.oc, weights.get('w2')!, 1, true);
  const expected = new Float32Array(6);
  l2.y.forEach((v, i) => (expected[i % 6] = expected[i % 6]! + (v + weights.get('b2')!.data[i % 6]!) / 9));

  const nchw = new Float32Array(x.length);
  for (let i = 0; i < H * H; i++) for (let c = 0; c < C; c++) nchw[c * H * H + i] = x[i * C + c]!;
  const session = await ort.InferenceSession.create(model.bytes);
  const out = await session.run({ [model.inputName]: new ort.Tensor('float32', nchw, [1, C, H, H]) });
  const got = out[model.outputName]!.data as Float32Array;
  await session.release();
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-5, `feature ${i}: onnx ${got[i]} vs reference ${expected[i]}`);
});

test('converter: refuses an op it does not know, naming op and node', () => {
  const nodes = [placeholder(4, 4, 3), node('weird', 'Erf', ['input']), node('out', 'Squeeze', ['weird'], { squeeze_dims: listI([1, 2]) })];
  assert.throws(
    () => convertTfjsGraph({ node: nodes }, new Map(), { outputNode: 'out' }),
    (err: unknown) => {
      assert.ok(err instanceof UnsupportedOpError);
      assert.match(err.message, /unsupported op 'Erf' at node 'weird'/);
      return true;
    },
  );
  const fusedBn = [placeholder(4, 4, 3), node('w', 'Const', []), node('c', '_FusedConv2D', ['input', 'w'], { padding: { s: b64('SAME') }, fused_ops: fused(['FusedBatchNorm']) })];
  const w = new Map([['w', { shape: [1, 1, 3, 3], data: new Float32Array(9) }]]);
  assert.throws(() => convertTfjsGraph({ node: fusedBn }, w, { outputNode: 'c' }), /fused_ops \[FusedBatchNorm\]/);
});

// ---------- the real backbone ----------

interface Item {
  image: string;
  labels: string;
}
const items = parse(readFileSync(path.join(SAMPLE, 'items.csv')), { columns: true }) as Item[];

let modelsDir: string;
let onnxEnc: RuntimeEncoder;

before(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-vision-models-'));
  onnxEnc = await createEncoder(DEFAULT_ENCODER, { modelsDir });
});

after(async () => {
  await onnxEnc?.close();
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

function decodeAll(files: string[], enc: RuntimeEncoder): Promise<RgbImage[]> {
  return Promise.all(files.map((f) => decodeForEncoder(path.join(SAMPLE, f), enc.input)));
}

test('default backbone: converted once, cached under modelsDir, atomically', async () => {
  const files = await readdir(modelsDir);
  assert.equal(files.length, 1, `expected just the model, found ${files.join(', ')}`);
  assert.match(files[0]!, /^mobilenet_v2_mid-[0-9a-f]{12}-c\d+\.onnx$/);
  const file = path.join(modelsDir, files[0]!);
  const before = (await stat(file)).mtimeMs;
  assert.equal(await ensureNsfwjsOnnx(modelsDir), file);
  assert.equal((await stat(file)).mtimeMs, before);
});

test('default backbone: a damaged cached model is converted again', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-vision-damaged-'));
  try {
    const file = await ensureNsfwjsOnnx(dir);
    await writeFile(file, 'not an onnx model');
    const enc = await createEncoder(DEFAULT_ENCODER, { modelsDir: dir, threads: 1 });
    await enc.close();
    assert.ok((await stat(file)).size > 1_000_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('onnx and tfjs-wasm runtimes give the same features on real photos', async () => {
  const tfjsEnc = await createEncoder(DEFAULT_ENCODER, { modelsDir, runtime: 'tfjs' });
  try {
    assert.equal(onnxEnc.id, 'mobilenet_v2_mid');
    assert.equal(tfjsEnc.id, onnxEnc.id, 'the id names backbone + preprocessing, not the runtime');
    assert.deepEqual([onnxEnc.runtime, tfjsEnc.runtime], ['onnx', 'tfjs']);
    assert.deepEqual([onnxEnc.dims, tfjsEnc.dims], [1792, 1792]);
    const images = await decodeAll(
      items.slice(0, 10).map((i) => i.image),
      onnxEnc,
    );
    const [a, b] = await Promise.all([onnxEnc.encode(images), tfjsEnc.encode(images)]);
    for (let i = 0; i < images.length; i++) {
      assert.equal(a[i]!.length, 1792);
      assert.ok(Math.abs(Math.sqrt(dot(a[i]!, a[i]!)) - 1) < 1e-5, 'unit norm');
      const cos = dot(a[i]!, b[i]!);
      assert.ok(cos >= 0.9999, `photo ${i}: cosine onnx vs tfjs ${cos}`);
    }
  } finally {
    await tfjsEnc.close();
  }
});

test('features carry meaning: same-label photos are closer than cross-label ones', async () => {
  // 6 photos of each of the 17 labels. Centred features (ReLU6 outputs share a large common
  // component). Random weights give gap ~0 and 1-NN at chance (~6%); the real backbone gives a
  // gap of ~0.06 and 1-NN of ~20%.
  const byLabel = new Map<string, Item[]>();
  for (const it of items) byLabel.set(it.labels, [...(byLabel.get(it.labels) ?? []), it]);
  const pick = [...byLabel.values()].flatMap((list) => list.slice(0, 6));
  const raw = await onnxEnc.encode(
    await decodeAll(
      pick.map((p) => p.image),
      onnxEnc,
    ),
  );
  const mean = new Float32Array(1792);
  for (const v of raw) v.forEach((x, k) => (mean[k] = mean[k]! + x / raw.length));
  const vs = raw.map((v) => {
    const c = v.map((x, k) => x - mean[k]!);
    const n = Math.sqrt(dot(c, c));
    return c.map((x) => x / n);
  });
  let same = 0,
    ns = 0,
    cross = 0,
    nc = 0,
    hits = 0;
  for (let i = 0; i < vs.length; i++) {
    let best = -Infinity,
      bestJ = -1;
    for (let j = 0; j < vs.length; j++) {
      if (i === j) continue;
      const d = dot(vs[i]!, vs[j]!);
      if (pick[i]!.labels === pick[j]!.labels) {
        same += d;
        ns++;
      } else {
        cross += d;
        nc++;
      }
      if (d > best) {
        best = d;
        bestJ = j;
      }
    }
    if (pick[bestJ]!.labels === pick[i]!.labels) hits++;
  }
  const gap = same / ns - cross / nc;
  const nn1 = hits / vs.length;
  assert.ok(gap > 0.03, `same-label mean cosine should exceed cross-label by > 0.03, gap ${gap.toFixed(4)}`);
  assert.ok(nn1 > 2.5 / byLabel.size, `1-NN label accuracy ${nn1.toFixed(3)} should be well above chance ${(1 / byLabel.size).toFixed(3)}`);
});

test("lanes: two one-thread copies in worker threads give one session's vectors, in order", async () => {
  const paths = { ...dataPaths(modelsDir), models: modelsDir }; // the model converted in before()
  const pool1 = new EncoderPool(paths, { threads: 2, lanes: 1 });
  const pool2 = new EncoderPool(paths, { threads: 2, lanes: 2 });
  try {
    const [one, two] = await Promise.all([pool1.get(DEFAULT_ENCODER), pool2.get(DEFAULT_ENCODER)]);
    assert.ok(two instanceof LaneEncoder && two.laneCount === 2, 'lanes: 2 opens two copies');
    assert.ok(!(one instanceof LaneEncoder), 'lanes: 1 is a single worker');
    assert.deepEqual([two.id, two.dims, two.input], [one.id, one.dims, one.input]);
    // An odd count splits 4 + 3; a single photo goes to the first lane alone.
    const images = await decodeAll(
      items.slice(0, 7).map((i) => i.image),
      onnxEnc,
    );
    for (const batch of [images, images.slice(0, 1)]) {
      const [a, b] = await Promise.all([one.encode(batch), two.encode(batch)]);
      assert.equal(b.length, batch.length);
      for (let i = 0; i < batch.length; i++) {
        const cos = dot(a[i]!, b[i]!);
        assert.ok(cos >= 0.99999, `photo ${i}: cosine one session vs lanes ${cos}`);
        if (i > 0) assert.ok(dot(b[i]!, b[i - 1]!) < 0.999, `photo ${i} is not its neighbour's vector`);
      }
    }
    assert.deepEqual(await two.encode([]), []);
  } finally {
    await Promise.all([pool1.close(), pool2.close()]);
  }
  assert.equal(defaultLanes(DEFAULT_ENCODER, 2), 2);
  assert.equal(defaultLanes(DEFAULT_ENCODER, 1), 1);
  assert.equal(defaultLanes({ kind: 'transformers', path: '/models/clip' }, 8), 1, 'a folder model is not copied by default');
});

// ---------- entry point ----------

test('encoder specs: known backbones, transformers folders, clear errors', () => {
  assert.equal(DEFAULT_ENCODER, 'mobilenet_v2_mid');
  assert.ok(Object.isFrozen(KNOWN_BACKBONES));
  assert.equal(parseEncoderSpec('mobilenet_v2_mid'), 'mobilenet_v2_mid');
  assert.deepEqual(parseEncoderSpec('transformers:/models/clip'), { kind: 'transformers', path: path.resolve('/models/clip') });
  const rel = parseEncoderSpec('transformers:models/clip');
  assert.deepEqual(rel, { kind: 'transformers', path: path.resolve('models/clip') });
  assert.equal(parseEncoderSpec(formatEncoderSpec(rel)).toString(), rel.toString());
  assert.throws(() => parseEncoderSpec('resnet50'), EncoderSpecError);
  assert.throws(() => parseEncoderSpec('transformers:'), /needs a folder path/);
});
