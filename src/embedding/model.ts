/**
 * The trained user embedding as a servable artefact: a JSON config plus one Float32 binary, applied in
 * plain JS (no tfjs at serving time).
 *
 * Item path:  x = [signed-power-normalised generic features, hashed item text (optional)]
 *             u = (x - mean) * scale (the text block is 0 for an item without text);  h = u W1;  z = h Wskip + relu(h + b1) W2;  out = z / |z|
 * Text path:  t = hashed query text;   out = normalise(t Wtext)
 */
import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { versionDir, type DataPaths } from '../config.js';
import { LoupeError } from '../errors.js';
import { densify, hashText } from './text.js';
import { SIGNALS, itemText, type Signal, type TrainingData } from './types.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const textHashSchema = z.object({ buckets: z.number().int().positive(), charWeight: z.number().min(0), ngram: z.number().int().positive() });
const tensorSchema = z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() });

export const modelConfigSchema = z.object({
  format: z.literal('loupe-embedding'),
  formatVersion: z.literal(1),
  name: z.string(),
  /** The version of the stored features this model reads (e.g. 'generic'). */
  baseVersion: z.string(),
  inputDims: z.number().int().positive(),
  /** Features are mapped v -> sign(v)|v|^p, then L2-normalised (p = 0.5: the Hellinger map for pooled CNN activations). */
  featurePower: z.number().positive(),
  /** Hashed item-text features appended to the input; null when the model reads features only. */
  itemText: textHashSchema.nullable(),
  hidden: z.number().int().positive(),
  dims: z.number().int().positive(),
  /** Query-text tower; null when none was trained. */
  queryText: textHashSchema.nullable(),
  signals: z.array(z.enum(SIGNALS)),
  seed: z.number().int(),
  fingerprint: z.string(),
  /** sha256 of weights.bin, so a config never pairs with the wrong weights. */
  weightsSha256: z.string(),
  tensors: z.array(tensorSchema),
  /** Free-form training summary (metrics, epochs, timings) for display. */
  info: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Tensor names and shapes for a config; the order is the order in weights.bin. */
export function tensorShapes(c: Pick<ModelConfig, 'inputDims' | 'itemText' | 'hidden' | 'dims' | 'queryText'>): [string, number[]][] {
  const inDims = c.inputDims + (c.itemText?.buckets ?? 0);
  const list: [string, number[]][] = [
    ['mean', [inDims]],
    ['scale', [inDims]],
    ['w1', [inDims, c.hidden]],
    ['b1', [c.hidden]],
    ['wSkip', [c.hidden, c.dims]],
    ['w2', [c.hidden, c.dims]],
  ];
  if (c.queryText) list.push(['wText', [c.queryText.buckets, c.dims]]);
  return list;
}

export type ModelWeights = Readonly<Record<string, Float32Array>>;
type ModelHead = Omit<ModelConfig, 'tensors' | 'weightsSha256'>;

/** sign(v)|v|^p per component, then unit length (a copy; p = 1 only normalises). */
export function powerNormalize(features: Float32Array, p: number): Float32Array {
  const out = new Float32Array(features.length);
  for (let i = 0; i < out.length; i++) {
    const v = features[i]!;
    out[i] = p === 1 ? v : Math.sign(v) * Math.abs(v) ** p;
  }
  return normalizeInPlace(out);
}

function normalizeInPlace(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** a [rows x k] times w [k x cols], row-major in and out. */
export type DenseProduct = (a: Float32Array, rows: number, w: Float32Array, k: number, cols: number) => Float32Array;

/** out[r] += sum_i a[r][i] * w[i, :] for a block of rows; w is row-major [a.length, cols]. */
function accumulate(rows: readonly Float32Array[], w: Float32Array, cols: number, out: readonly Float32Array[]): void {
  const n = rows[0]?.length ?? 0;
  // Four weight rows per pass over the output: a quarter of the output loads and stores.
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w0 = w.subarray(i * cols, (i + 1) * cols);
    const w1 = w.subarray((i + 1) * cols, (i + 2) * cols);
    const w2 = w.subarray((i + 2) * cols, (i + 3) * cols);
    const w3 = w.subarray((i + 3) * cols, (i + 4) * cols);
    for (let r = 0; r < rows.length; r++) {
      const x = rows[r]!;
      const a0 = x[i]!;
      const a1 = x[i + 1]!;
      const a2 = x[i + 2]!;
      const a3 = x[i + 3]!;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const o = out[r]!;
      for (let j = 0; j < cols; j++) o[j] = o[j]! + a0 * w0[j]! + a1 * w1[j]! + a2 * w2[j]! + a3 * w3[j]!;
    }
  }
  for (; i < n; i++) {
    const wi = w.subarray(i * cols, (i + 1) * cols);
    for (let r = 0; r < rows.length; r++) {
      const a = rows[r]![i]!;
      if (a === 0) continue;
      const o = out[r]!;
      for (let j = 0; j < cols; j++) o[j] = o[j]! + a * wi[j]!;
    }
  }
}

export class EmbeddingModel {
  readonly config: ModelConfig;
  private readonly w: ModelWeights;

  private constructor(config: ModelConfig, weights: ModelWeights) {
    this.config = config;
    this.w = weights;
  }

  /** Builds a model from a config head and its weights (shapes are checked). */
  static create(head: ModelHead, weights: ModelWeights): EmbeddingModel {
    const tensors: ModelConfig['tensors'] = [];
    let offset = 0;
    for (const [name, shape] of tensorShapes(head)) {
      const t = weights[name];
      const size = shape.reduce((a, b) => a * b, 1);
      if (!t || t.length !== size) throw new Error(`weight ${name}: expected ${size} floats, got ${t?.length ?? 'none'}`);
      tensors.push({ name, shape, offset });
      offset += size;
    }
    const config: ModelConfig = { ...head, tensors, weightsSha256: '' };
    const model = new EmbeddingModel(config, weights);
    config.weightsSha256 = sha256(model.weightBytes());
    return model;
  }

  get dims(): number {
    return this.config.dims;
  }

  get hasTextTower(): boolean {
    return this.config.queryText !== null;
  }

  /** A copy of one weight tensor (for inspection and tests). */
  weight(name: string): Float32Array {
    const t = this.w[name];
    if (!t) throw new Error(`no weight ${name}`);
    return new Float32Array(t);
  }

  /** The model input for one item (before centring): normalised features, then hashed item text when the model reads text. */
  inputRow(features: Float32Array, text?: string): Float32Array {
    const c = this.config;
    if (features.length !== c.inputDims) throw new RangeError(`expected ${c.inputDims}-d features, got ${features.length}`);
    const f = powerNormalize(features, c.featurePower);
    if (!c.itemText) return f;
    const row = new Float32Array(c.inputDims + c.itemText.buckets);
    row.set(f);
    if (text) densify(hashText(text, c.itemText), c.itemText.buckets, row, c.inputDims);
    return row;
  }

  /**
   * Trained embeddings (unit length) of items from their generic features (and text, if the model reads
   * it). `product` replaces the plain JavaScript products with a faster kernel (tfjs's, where training
   * and evaluation have it loaded); the results agree to float32 rounding.
   */
  project(features: readonly Float32Array[], texts?: readonly (string | undefined)[], product?: DenseProduct): Float32Array[] {
    const mean = this.w.mean!;
    const scale = this.w.scale!;
    const out: Float32Array[] = [];
    const block = product ? 1024 : 16;
    for (let start = 0; start < features.length; start += block) {
      const rows = features.slice(start, start + block).map((f, r) => {
        const text = texts?.[start + r];
        const x = this.inputRow(f, text);
        // Centre the text block only when there is text: no text contributes exactly 0 there.
        const centred = this.config.itemText && hashText(text ?? '', this.config.itemText).indices.length > 0 ? x.length : f.length;
        for (let i = 0; i < x.length; i++) x[i] = i < centred ? (x[i]! - mean[i]!) * scale[i]! : 0;
        return x;
      });
      const zs = product ? this.denseBlock(rows, product) : this.jsBlock(rows);
      for (const zv of zs) out.push(normalizeInPlace(zv));
    }
    return out;
  }

  /** h = x w1; z = h wSkip + relu(h + b1) w2, in JavaScript (what serving uses: no tfjs there). */
  private jsBlock(rows: readonly Float32Array[]): Float32Array[] {
    const { hidden, dims } = this.config;
    const b1 = this.w.b1!;
    const h = rows.map(() => new Float32Array(hidden));
    accumulate(rows, this.w.w1!, hidden, h);
    const act = h.map((v) => v.map((x, j) => Math.max(0, x + b1[j]!)));
    const zs = rows.map(() => new Float32Array(dims));
    accumulate(h, this.w.wSkip!, dims, zs);
    accumulate(act, this.w.w2!, dims, zs);
    return zs;
  }

  /** The same as jsBlock with each product done by `product` over the whole block. */
  private denseBlock(rows: readonly Float32Array[], product: DenseProduct): Float32Array[] {
    const { hidden, dims } = this.config;
    const b1 = this.w.b1!;
    const n = rows.length;
    const width = rows[0]?.length ?? 0;
    const x = new Float32Array(n * width);
    rows.forEach((r, i) => x.set(r, i * width));
    const h = product(x, n, this.w.w1!, width, hidden);
    const act = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) act[i] = Math.max(0, h[i]! + b1[i % hidden]!);
    const skip = product(h, n, this.w.wSkip!, hidden, dims);
    const res = product(act, n, this.w.w2!, hidden, dims);
    return rows.map((_, i) => {
      const z = new Float32Array(dims);
      for (let j = 0; j < dims; j++) z[j] = skip[i * dims + j]! + res[i * dims + j]!;
      return z;
    });
  }

  /** A query text in the same space as `project`'s output (needs a text tower). */
  embedText(text: string): Float32Array {
    const qt = this.config.queryText;
    if (!qt) throw new LoupeError('bad_request', 'this model has no text tower (train it with the text signal)');
    const f = hashText(text, qt);
    const dims = this.config.dims;
    const wt = this.w.wText!;
    const out = new Float32Array(dims);
    for (let i = 0; i < f.indices.length; i++) {
      const off = f.indices[i]! * dims;
      const v = f.values[i]!;
      for (let j = 0; j < dims; j++) out[j] = out[j]! + v * wt[off + j]!;
    }
    return normalizeInPlace(out);
  }

  private weightBytes(): Buffer {
    const parts = tensorShapes(this.config).map(([name]) => {
      const t = this.w[name]!;
      return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    });
    return Buffer.concat(parts);
  }

  /**
   * Writes model.json and weights.bin into `dir` atomically: each file goes to a temporary name and is
   * renamed into place, weights first; model.json (which carries the weights' sha256) is the commit point.
   */
  async save(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    const tag = `.tmp-${process.pid}-${Date.now()}`;
    const write = async (name: string, data: Buffer | string) => {
      const tmp = path.join(dir, name + tag);
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, path.join(dir, name));
    };
    await write(WEIGHTS_FILE, this.weightBytes());
    await write(MODEL_FILE, JSON.stringify(this.config, null, 2) + '\n');
  }

  static async load(dir: string): Promise<EmbeddingModel> {
    const config = modelConfigSchema.parse(JSON.parse(await fs.readFile(path.join(dir, MODEL_FILE), 'utf8')));
    const bytes = await fs.readFile(path.join(dir, WEIGHTS_FILE));
    if (sha256(bytes) !== config.weightsSha256) throw new LoupeError('unprocessable', `${dir}: weights.bin does not match model.json (checksum)`);
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const expected = tensorShapes(config);
    const weights: Record<string, Float32Array> = {};
    for (const [name, shape] of expected) {
      const meta = config.tensors.find((t) => t.name === name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!meta || meta.shape.join('x') !== shape.join('x') || meta.offset + size > floats.length) throw new LoupeError('unprocessable', `${dir}: bad tensor ${name}`);
      weights[name] = floats.subarray(meta.offset, meta.offset + size);
    }
    return new EmbeddingModel(config, weights);
  }
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Identifies what a model was trained from: item ids, the enabled signals' content (labels, groups,
 * interactions, text), the seed and the training config. Same fingerprint = same training input.
 */
export function trainingFingerprint(data: TrainingData, signals: readonly Signal[], seed: number, config: object): string {
  const h = createHash('sha256');
  const on = new Set(signals);
  h.update(JSON.stringify({ signals: [...on].sort(), seed, config }));
  const items = [...data.items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const it of items) {
    h.update(it.id);
    h.update('\u0000');
    if (on.has('labels')) h.update(JSON.stringify([...(it.labels ?? [])].sort()));
    if (on.has('groups')) h.update(JSON.stringify([...(it.groups ?? [])].sort()));
    if (on.has('text')) h.update(itemText(it));
    h.update('\u0001');
  }
  if (on.has('events')) {
    const pairs = (data.interactions ?? []).map(([a, b]) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`)).sort();
    for (const p of pairs) h.update(p + '\u0001');
  }
  return h.digest('hex');
}

const versionModels = new Map<string, Promise<EmbeddingModel>>();

/** Loads (once per process) the model of a trained version, from `<data>/versions/<name>/`. */
export function loadVersionModel(paths: DataPaths, name: string): Promise<EmbeddingModel> {
  const dir = versionDir(paths, name);
  let m = versionModels.get(dir);
  if (!m) {
    if (!fsSync.existsSync(path.join(dir, 'model.json'))) return Promise.reject(new LoupeError('not_found', `version '${name}' has no model in ${dir}`));
    m = EmbeddingModel.load(dir);
    m.catch(() => versionModels.delete(dir));
    versionModels.set(dir, m);
  }
  return m;
}
