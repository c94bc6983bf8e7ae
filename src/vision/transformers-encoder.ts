/**
 * Encoder for a user-supplied CLIP / SigLIP folder in the transformers.js layout
 * (config.json, preprocessor_config.json, onnx/vision_model*.onnx, optionally
 * onnx/text_model*.onnx + tokenizer.json), loaded strictly offline. Pixels come from our own
 * decoder; only the normalisation constants are taken from preprocessor_config.json.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AutoModelForImageFeatureExtraction,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  SiglipTextModel,
  Tensor,
  env,
  type DataType,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { LoupeError } from '../errors.js';
import { l2normalize, type Encoder, type InputSpec, type RgbImage } from './encoder.js';
import { chunks, toNchw, type PixelNorm } from './pixels.js';

export interface TransformersEncoderOptions {
  readonly threads?: number;
  readonly batchSize?: number;
}

/** model_type -> text tower class; vision towers come from AutoModelForImageFeatureExtraction. */
const TEXT_MODELS = {
  clip: CLIPTextModelWithProjection,
  siglip: SiglipTextModel,
} as const;

/** Suffix -> dtype, in order of preference (transformers.js file naming). */
const DTYPE_FILES: readonly (readonly [string, DataType])[] = [
  ['', 'fp32'],
  ['_fp16', 'fp16'],
  ['_quantized', 'q8'],
  ['_int8', 'int8'],
  ['_uint8', 'uint8'],
  ['_q4', 'q4'],
];

function offlineEnv(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
}

function findOnnx(dir: string, base: string): { file: string; dtype: DataType } | undefined {
  for (const [suffix, dtype] of DTYPE_FILES) {
    const file = path.join(dir, 'onnx', `${base}${suffix}.onnx`);
    if (existsSync(file)) return { file, dtype };
  }
  return undefined;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  const v: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function triple(v: unknown, what: string): [number, number, number] {
  const a: unknown = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(a) || a.length !== 3 || !a.every((x) => typeof x === 'number')) throw new Error(`preprocessor_config.json: bad ${what}`);
  return a as [number, number, number];
}

function side(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.height === 'number' && typeof o.width === 'number') {
    if (o.height !== o.width) throw new Error(`preprocessor_config.json: non-square input ${o.width}x${o.height} is not supported`);
    return o.height;
  }
  return typeof o.shortest_edge === 'number' ? o.shortest_edge : undefined;
}

/** Input size, crop rule and normalisation from a Hugging Face preprocessor_config.json. */
export function parsePreprocessor(pp: Record<string, unknown>): { input: InputSpec; norm: PixelNorm } {
  const crop = pp.do_center_crop !== false ? side(pp.crop_size) : undefined;
  const resize = side(pp.size);
  const shortestEdgeOnly = typeof pp.size === 'object' && pp.size !== null && !('height' in pp.size);
  const size = crop ?? resize;
  if (!size) throw new Error('preprocessor_config.json: no crop_size or size');
  // Center crop (or shortest-edge resize) keeps aspect: 'cover'. A plain HxW resize stretches: 'fill'.
  const fit = crop !== undefined || shortestEdgeOnly ? 'cover' : 'fill';
  const rescale = pp.do_rescale === false ? 1 : typeof pp.rescale_factor === 'number' ? pp.rescale_factor : 1 / 255;
  const normalize = pp.do_normalize !== false;
  return {
    input: { size, fit },
    norm: {
      rescale,
      mean: normalize ? triple(pp.image_mean, 'image_mean') : [0, 0, 0],
      std: normalize ? triple(pp.image_std, 'image_std') : [1, 1, 1],
    },
  };
}

async function sha256File(file: string, h = createHash('sha256')): Promise<void> {
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
}

/** Picks the embedding output: projected embeds when present, else the pooled output. */
function embeddings(out: unknown, names: readonly string[]): Tensor {
  if (typeof out !== 'object' || out === null) throw new Error('model returned no outputs');
  const o = out as Record<string, unknown>;
  for (const n of names) {
    const t = o[n];
    if (t instanceof Tensor && t.dims.length === 2) return t;
  }
  throw new Error(`model outputs [${Object.keys(o).join(', ')}] contain none of ${names.join(' / ')} as [N, D]`);
}

function rows(t: Tensor): Float32Array[] {
  const [n, d] = t.dims as [number, number];
  const data = t.data;
  if (!(data instanceof Float32Array)) throw new Error(`expected float32 embeddings, got ${t.type}`);
  return Array.from({ length: n }, (_, i) => l2normalize(data.slice(i * d, (i + 1) * d)));
}

async function encodeImages(vision: PreTrainedModel, norm: PixelNorm, size: number, batch: readonly RgbImage[]): Promise<Float32Array[]> {
  const pixel_values = new Tensor('float32', toNchw(batch, size, norm), [batch.length, 3, size, size]);
  return rows(embeddings(await vision.forward({ pixel_values }), ['image_embeds', 'pooler_output']));
}

export class TransformersEncoder implements Encoder {
  readonly runtime = 'transformers' as const;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly dims: number,
    readonly input: InputSpec,
    readonly modelType: string,
    private readonly norm: PixelNorm,
    private readonly vision: PreTrainedModel,
    private readonly text: { model: PreTrainedModel; tokenizer: PreTrainedTokenizer } | undefined,
    private readonly batchSize: number,
  ) {}

  /** Whether the folder had a text tower, so `encodeText` works. */
  get hasText(): boolean {
    return this.text !== undefined;
  }

  static async load(folder: string, opts: TransformersEncoderOptions = {}): Promise<TransformersEncoder> {
    offlineEnv();
    // An absolute path is never mistaken for a hub id, so transformers.js reads it as-is.
    const dir = path.resolve(folder);
    const configFile = path.join(dir, 'config.json');
    const ppFile = path.join(dir, 'preprocessor_config.json');
    for (const f of [configFile, ppFile]) if (!existsSync(f)) throw new LoupeError('bad_request', `${dir}: missing ${path.basename(f)}`);
    const config = await readJson(configFile);
    const modelType = typeof config.model_type === 'string' ? config.model_type : '';
    if (!AutoModelForImageFeatureExtraction.supports(modelType)) {
      throw new LoupeError('bad_request', `${dir}: model_type '${modelType}' has no image-feature model in transformers.js (try clip or siglip)`);
    }
    const visionFile = findOnnx(dir, 'vision_model');
    if (!visionFile) throw new LoupeError('bad_request', `${dir}: no onnx/vision_model*.onnx (a combined onnx/model.onnx is not supported)`);
    const { input, norm } = parsePreprocessor(await readJson(ppFile));

    const h = createHash('sha256');
    h.update(await readFile(configFile)).update(await readFile(ppFile));
    await sha256File(visionFile.file, h);
    const id = `${modelType}/${path.basename(dir)}@${h.digest('hex').slice(0, 8)}`;

    const common = {
      local_files_only: true,
      device: 'cpu' as const,
      session_options: { intraOpNumThreads: Math.max(1, opts.threads ?? os.availableParallelism()), graphOptimizationLevel: 'all' as const },
    };
    const vision = await AutoModelForImageFeatureExtraction.from_pretrained(dir, { ...common, dtype: visionFile.dtype });
    let text: { model: PreTrainedModel; tokenizer: PreTrainedTokenizer } | undefined;
    const textFile = findOnnx(dir, 'text_model');
    const textClass = Object.hasOwn(TEXT_MODELS, modelType) ? TEXT_MODELS[modelType as keyof typeof TEXT_MODELS] : undefined;
    const hasTokenizer = ['tokenizer.json', 'tokenizer_config.json'].every((f) => existsSync(path.join(dir, f)));
    if (textFile && textClass && hasTokenizer) {
      text = {
        model: await textClass.from_pretrained(dir, { ...common, dtype: textFile.dtype }),
        tokenizer: await AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
      };
    }

    const blank = { width: input.size, height: input.size, data: new Uint8Array(input.size * input.size * 3) };
    const dims = (await encodeImages(vision, norm, input.size, [blank]))[0]!.length;
    return new TransformersEncoder(id, dims, input, modelType, norm, vision, text, opts.batchSize ?? 8);
  }

  async encode(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error('encoder is closed');
    const s = this.input.size;
    const out: Float32Array[] = [];
    for (const batch of chunks(images, this.batchSize)) {
      out.push(...(await encodeImages(this.vision, this.norm, s, batch)));
    }
    return out;
  }

  /** L2-normalised text embeddings in the same space as `encode` (needs a text tower). */
  async encodeText(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error('encoder is closed');
    if (!this.text) throw new LoupeError('bad_request', `${this.id}: the model folder has no text model (onnx/text_model*.onnx + tokenizer.json + tokenizer_config.json)`);
    const { model, tokenizer } = this.text;
    const out: Float32Array[] = [];
    for (const batch of chunks(texts, 32)) {
      // SigLIP was trained on fixed-length padded text; CLIP pads to the longest.
      const padding = this.modelType === 'siglip' ? ('max_length' as const) : true;
      const feeds = tokenizer._call([...batch], { padding, truncation: true });
      out.push(...rows(embeddings(await model.forward(feeds), ['text_embeds', 'pooler_output'])));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.vision.dispose();
    await this.text?.model.dispose();
  }
}
