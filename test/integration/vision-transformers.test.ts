/**
 * transformers.js encoder, offline, against a tiny CLIP-shaped folder this test writes itself.
 *
 * What transformers.js 4.x needs for model_type 'clip' (read from its source):
 * - config.json with model_type 'clip'; AutoModelForImageFeatureExtraction maps clip ->
 *   CLIPVisionModelWithProjection, which opens onnx/vision_model.onnx (fp32 on the CPU device),
 *   feeds the session's declared inputs by name (`pixel_values`) and returns every output;
 *   the encoder reads `image_embeds`.
 * - CLIPTextModelWithProjection opens onnx/text_model.onnx; inputs `input_ids` (+ optional
 *   `attention_mask`), output `text_embeds`. AutoTokenizer reads tokenizer.json +
 *   tokenizer_config.json (a tiny WordPiece vocabulary is enough).
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { env } from '@huggingface/transformers';
import { decodeForEncoder } from '../../src/vision/decode.js';
import type { RgbImage } from '../../src/vision/encoder.js';
import { canEncodeText, createEncoder, parseEncoderSpec, type RuntimeEncoder } from '../../src/vision/encoders.js';
import { GraphBuilder, attr } from '../../src/vision/onnx-proto.js';

const IMAGES = path.join(import.meta.dirname, '..', '..', 'examples', 'clothing-sample', 'images');
const SIDE = 32;
const EMBED = 16;
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'red', 'blue', 'dress', 'shoe', 'photo', 'of'];

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: rows * cols }, () => r());
}

/** pixel_values [N,3,32,32] -> 4x4 average pool -> flatten (192) -> linear -> image_embeds [N,16]. */
function visionModel(): Uint8Array {
  const g = new GraphBuilder('tiny_clip_vision');
  g.input('pixel_values', 'float32', ['batch_size', 3, SIDE, SIDE]);
  const pooled = g.node('AveragePool', ['pixel_values'], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) });
  const flat = g.node('Flatten', [pooled], { axis: attr.int(1) });
  const feat = 3 * (SIDE / 4) ** 2;
  const proj = g.node('MatMul', [flat, g.initializer('visual_projection', randomMatrix(feat, EMBED, 1), [feat, EMBED])]);
  g.node('Add', [proj, g.initializer('visual_bias', randomMatrix(1, EMBED, 2), [EMBED])], {}, ['image_embeds']);
  g.output('image_embeds', 'float32', ['batch_size', EMBED]);
  return g.toBytes({ opset: 17 });
}

/** input_ids/attention_mask [N,S] -> embedding lookup -> masked sum -> linear -> text_embeds [N,16]. */
function textModel(): Uint8Array {
  const g = new GraphBuilder('tiny_clip_text');
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const emb = g.node('Gather', [g.initializer('token_embedding', randomMatrix(VOCAB.length, EMBED, 3), [VOCAB.length, EMBED]), 'input_ids']);
  const mask = g.node('Unsqueeze', [g.node('Cast', ['attention_mask'], { to: attr.int(1) }), g.initializer('axis2', new BigInt64Array([2n]), [1])]);
  const summed = g.node('ReduceSum', [g.node('Mul', [emb, mask]), g.initializer('axis1', new BigInt64Array([1n]), [1])], { keepdims: attr.int(0) });
  g.node('MatMul', [summed, g.initializer('text_projection', randomMatrix(EMBED, EMBED, 4), [EMBED, EMBED])], {}, ['text_embeds']);
  g.output('text_embeds', 'float32', ['batch_size', EMBED]);
  return g.toBytes({ opset: 17 });
}

async function writeTinyClip(dir: string, withText: boolean): Promise<void> {
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  const json = (f: string, v: unknown) => writeFile(path.join(dir, f), JSON.stringify(v, null, 2));
  await json('config.json', {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: EMBED,
    vision_config: { model_type: 'clip_vision_model', image_size: SIDE, hidden_size: EMBED },
    text_config: { model_type: 'clip_text_model', vocab_size: VOCAB.length, hidden_size: EMBED },
  });
  await json('preprocessor_config.json', {
    image_processor_type: 'CLIPImageProcessor',
    do_resize: true,
    size: { shortest_edge: SIDE },
    do_center_crop: true,
    crop_size: { height: SIDE, width: SIDE },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
  });
  await writeFile(path.join(dir, 'onnx', 'vision_model.onnx'), visionModel());
  if (!withText) return;
  await writeFile(path.join(dir, 'onnx', 'text_model.onnx'), textModel());
  await json('tokenizer_config.json', { tokenizer_class: 'CLIPTokenizer', model_max_length: 16, pad_token: '[PAD]', unk_token: '[UNK]' });
  await json('tokenizer.json', {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: VOCAB.slice(0, 4).map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(VOCAB.map((w, i) => [w, i])) },
  });
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let tmp: string;
let enc: RuntimeEncoder;
let photos: RgbImage[];

const fetched: string[] = [];

before(async () => {
  env.fetch = async (url: string | URL | Request) => {
    fetched.push(String(url));
    throw new Error(`network access attempted: ${String(url)}`);
  };
  tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-tiny-clip-'));
  await writeTinyClip(path.join(tmp, 'tiny-clip'), true);
  await writeTinyClip(path.join(tmp, 'tiny-clip-vision-only'), false);
  enc = await createEncoder(parseEncoderSpec(`transformers:${path.join(tmp, 'tiny-clip')}`), { modelsDir: path.join(tmp, 'models'), threads: 1 });
  const files = ['038e4976-e75f-452e-bccc-2ebb5d5c0e0a.jpg', '9e26acec-f047-4039-9c81-eeb2b7bd3dce.jpg'];
  photos = await Promise.all(files.map((f) => decodeForEncoder(path.join(IMAGES, f), enc.input)));
});

after(async () => {
  await enc?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('transformers encoder: loads a local CLIP folder offline, input spec from its preprocessor config', () => {
  assert.equal(enc.runtime, 'transformers');
  assert.match(enc.id, /^clip\/tiny-clip@[0-9a-f]{8}$/);
  assert.deepEqual(enc.input, { size: SIDE, fit: 'cover' });
  assert.equal(enc.dims, EMBED);
});

test('transformers encoder: unit-norm, deterministic, different photos give different vectors', async () => {
  const [a, b] = await enc.encode(photos);
  const [a2] = await enc.encode([photos[0]!]);
  assert.equal(a!.length, EMBED);
  assert.ok(Math.abs(norm(a!) - 1) < 1e-5 && Math.abs(norm(b!) - 1) < 1e-5);
  assert.deepEqual(Array.from(a2!), Array.from(a!));
  assert.ok(dot(a!, b!) < 0.999, `two different photos should not collide (cos ${dot(a!, b!)})`);
});

test('transformers encoder: text tower embeds text into the same space', async () => {
  assert.ok(canEncodeText(enc));
  const [red, blue, red2] = await enc.encodeText(['a red dress', 'blue shoe', 'A RED DRESS']);
  assert.equal(red!.length, EMBED);
  assert.ok(Math.abs(norm(red!) - 1) < 1e-5);
  assert.deepEqual(Array.from(red2!), Array.from(red!)); // lower-cased by the tokenizer
  assert.ok(dot(red!, blue!) < 0.999);
});

test('transformers encoder: a vision-only folder works and says it has no text', async () => {
  const e = await createEncoder({ kind: 'transformers', path: path.join(tmp, 'tiny-clip-vision-only') }, { modelsDir: tmp, threads: 1 });
  try {
    assert.equal(canEncodeText(e), false);
    const [v] = await e.encode([photos[0]!]);
    assert.equal(v!.length, EMBED);
  } finally {
    await e.close();
  }
});

test('transformers encoder: a missing folder fails clearly, and nothing is fetched', async () => {
  await assert.rejects(createEncoder({ kind: 'transformers', path: path.join(tmp, 'does-not-exist') }, { modelsDir: tmp }), /missing config\.json/);
  await assert.rejects(createEncoder({ kind: 'transformers', path: path.join(tmp, 'tiny-clip') }, { modelsDir: tmp, runtime: 'tfjs' }), /tfjs runtime/);
  assert.deepEqual(fetched, []);
});
