/**
 * The one entry point for opening an image encoder. Built-in backbones ship inside npm
 * packages (nothing is downloaded); other models come from a local transformers.js folder.
 * tfjs and transformers.js are imported only when asked for.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../errors.js';
import type { Encoder, InputSpec } from './encoder.js';
import { ensureNsfwjsOnnx } from './convert.js';
import type { NsfwjsModelName } from './nsfw-model.js';
import { UNIT_RANGE } from './pixels.js';

export interface BackboneInfo {
  readonly name: NsfwjsModelName;
  readonly dims: number;
  readonly input: InputSpec;
  readonly description: string;
}

/** Backbones available offline out of the box. */
export const KNOWN_BACKBONES: readonly BackboneInfo[] = Object.freeze([
  Object.freeze({
    name: 'mobilenet_v2_mid',
    dims: 1792,
    input: Object.freeze({ size: 224, fit: 'cover' }),
    description: 'MobileNetV2-1.4 (ImageNet features, from the nsfwjs package), global-pool 1792-d',
  } as const),
]);

export type BackboneName = BackboneInfo['name'];
export const DEFAULT_ENCODER: BackboneName = 'mobilenet_v2_mid';

export type EncoderSpec = BackboneName | { readonly kind: 'transformers'; readonly path: string };
/** How the built-in backbones run; both give the same features (cosine > 0.9999). */
export type EncoderRuntime = 'onnx' | 'tfjs';

/** An opened encoder and the runtime executing it (the `id` deliberately doesn't name it). */
export interface RuntimeEncoder extends Encoder {
  readonly runtime: EncoderRuntime | 'transformers';
}

/** An encoder that can also embed text into the same space (CLIP/SigLIP with a text tower). */
export interface TextImageEncoder extends RuntimeEncoder {
  encodeText(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface CreateEncoderOptions {
  /** Where converted models are cached: `dataPaths(dataDir).models`. */
  readonly modelsDir: string;
  /** Built-in backbones only; default 'onnx'. */
  readonly runtime?: EncoderRuntime;
  /** Inference threads; default: every core. */
  readonly threads?: number;
  /** Images per inference call inside `encode`. */
  readonly batchSize?: number;
}

export class EncoderSpecError extends LoupeError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

const TRANSFORMERS_PREFIX = 'transformers:';

/** Parses a CLI/config string: a known backbone name, or `transformers:/path/to/folder`. */
export function parseEncoderSpec(s: string): EncoderSpec {
  const spec = s.trim();
  const known = KNOWN_BACKBONES.find((b) => b.name === spec);
  if (known) return known.name;
  if (spec.startsWith(TRANSFORMERS_PREFIX)) {
    const p = spec.slice(TRANSFORMERS_PREFIX.length).trim();
    if (!p) throw new EncoderSpecError(`'${s}': transformers: needs a folder path, e.g. transformers:/models/clip-vit-base-patch32`);
    return { kind: 'transformers', path: path.resolve(p) };
  }
  const names = KNOWN_BACKBONES.map((b) => b.name).join(', ');
  throw new EncoderSpecError(`unknown encoder '${s}': use one of ${names}, or transformers:/path/to/clip-or-siglip-folder`);
}

/** Canonical string form of a spec (round-trips through parseEncoderSpec). */
export function formatEncoderSpec(spec: EncoderSpec): string {
  return typeof spec === 'string' ? spec : `${TRANSFORMERS_PREFIX}${spec.path}`;
}

/** True when `e` can embed text as well (a transformers folder with a text model). */
export function canEncodeText(e: Encoder): e is TextImageEncoder {
  return 'encodeText' in e && (e as { hasText?: unknown }).hasText === true;
}

/** Opens an encoder. The returned object's `id` names backbone + preprocessing, never the runtime. */
export async function createEncoder(spec: EncoderSpec | string, opts: CreateEncoderOptions): Promise<RuntimeEncoder> {
  const s = typeof spec === 'string' ? parseEncoderSpec(spec) : spec;
  const tuning = { ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) };
  if (typeof s !== 'string') {
    if (opts.runtime === 'tfjs') throw new EncoderSpecError('the tfjs runtime only runs built-in backbones; transformers folders run on onnxruntime');
    const { TransformersEncoder } = await import('./transformers-encoder.js');
    return TransformersEncoder.load(s.path, tuning);
  }
  const backbone = KNOWN_BACKBONES.find((b) => b.name === s);
  if (!backbone) throw new EncoderSpecError(`unknown backbone '${String(s)}'`);
  if (opts.runtime === 'tfjs') {
    const { TfjsEncoder } = await import('./tfjs-encoder.js');
    return TfjsEncoder.create({ id: backbone.name, model: backbone.name, input: backbone.input, ...tuning });
  }
  // onnxruntime too is loaded on use: the main thread of a server or a job with nothing to encode never needs it.
  const { OnnxEncoder } = await import('./onnx-encoder.js');
  const create = (model: string) => OnnxEncoder.create({ id: backbone.name, model, input: backbone.input, norm: UNIT_RANGE, ...tuning });
  const model = await ensureNsfwjsOnnx(opts.modelsDir, backbone.name);
  try {
    return await create(model);
  } catch {
    // A cached conversion onnxruntime can't read (damaged on disk): convert again, once.
    await rm(model, { force: true });
    return create(await ensureNsfwjsOnnx(opts.modelsDir, backbone.name));
  }
}
