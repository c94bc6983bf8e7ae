/**
 * The "goes with" model as a servable artefact (complete.json + complete.bin beside a version's
 * embedding model), applied in plain JS:
 *   u = (powerNormalize(generic) - mean) * scale;  f = u Wf / |u Wf|;  g = u Wg / |u Wg|
 *   goes-with(q, c) = (f_q . g_c + f_c . g_q) / 2, plus the candidate step (score.ts).
 * Two projections let "worn together" differ from "looks alike": f(a) . g(a) is never trained.
 */
import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { versionDir, type DataPaths } from '../config.js';
import { powerNormalize, type DenseProduct } from '../embedding/model.js';
import { LabelPrior, type CandidateStep } from './score.js';

export const COMPLETE_FILE = 'complete.json';
export const COMPLETE_WEIGHTS = 'complete.bin';

const configSchema = z.object({
  format: z.literal('loupe-complete'),
  formatVersion: z.literal(1),
  inputDims: z.number().int().positive(),
  featurePower: z.number().positive(),
  dims: z.number().int().positive(),
  step: z.object({ sameLabelPenalty: z.number(), priorWeight: z.number(), genericWeight: z.number(), colourWeight: z.number().default(0), walkWeight: z.number().optional() }),
  prior: z.object({ labels: z.array(z.string()), groups: z.array(z.number()), together: z.array(z.tuple([z.number(), z.number(), z.number()])) }),
  /** Groups held out of training (evaluated by `loupe eval`). */
  split: z.object({ seed: z.number().int(), fraction: z.number(), heldOutGroups: z.array(z.string()) }),
  info: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  weightsSha256: z.string(),
});
export type CompleteConfig = z.infer<typeof configSchema>;
export type CompleteHead = Omit<CompleteConfig, 'weightsSha256'>;

export interface CompleteWeights {
  readonly mean: Float32Array;
  readonly scale: number;
  readonly wf: Float32Array;
  readonly wg: Float32Array;
}

export interface Projected {
  readonly f: Float32Array;
  readonly g: Float32Array;
}

function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export class GoesWithModel {
  readonly prior: LabelPrior;

  constructor(
    readonly config: CompleteConfig,
    private readonly w: CompleteWeights,
  ) {
    const size = config.inputDims * config.dims;
    if (w.mean.length !== config.inputDims || w.wf.length !== size || w.wg.length !== size) throw new Error('goes-with weights do not match their config');
    this.prior = new LabelPrior(config.prior);
  }

  static create(head: CompleteHead, w: CompleteWeights): GoesWithModel {
    return new GoesWithModel({ ...head, weightsSha256: sha256(packWeights(w)) }, w);
  }

  get step(): CandidateStep {
    return this.config.step;
  }

  /** The centred, scaled model input of one item. */
  input(features: Float32Array): Float32Array {
    const { inputDims, featurePower } = this.config;
    if (features.length !== inputDims) throw new RangeError(`expected ${inputDims}-d features, got ${features.length}`);
    const u = powerNormalize(features, featurePower);
    for (let i = 0; i < u.length; i++) u[i] = (u[i]! - this.w.mean[i]!) * this.w.scale;
    return u;
  }

  project(features: Float32Array): Projected {
    const u = this.input(features);
    const { dims } = this.config;
    const f = new Float32Array(dims);
    const g = new Float32Array(dims);
    for (let i = 0; i < u.length; i++) {
      const a = u[i]!;
      if (a === 0) continue;
      const off = i * dims;
      for (let j = 0; j < dims; j++) {
        f[j] = f[j]! + a * this.w.wf[off + j]!;
        g[j] = g[j]! + a * this.w.wg[off + j]!;
      }
    }
    return { f: normalize(f), g: normalize(g) };
  }

  /**
   * `project` for many items on a faster kernel (tfjs's, in evaluation): f and g as row-major [n, dims],
   * unit rows; the same vectors to float32 rounding.
   */
  projectMany(features: readonly Float32Array[], product: DenseProduct): { f: Float32Array; g: Float32Array } {
    const { inputDims, dims } = this.config;
    const [f, g] = [new Float32Array(features.length * dims), new Float32Array(features.length * dims)];
    // Blocks of items, so the input matrix stays small whatever the catalogue's size.
    for (let start = 0; start < features.length; start += 1024) {
      const block = features.slice(start, start + 1024);
      const u = new Float32Array(block.length * inputDims);
      block.forEach((x, i) => u.set(this.input(x), i * inputDims));
      f.set(product(u, block.length, this.w.wf, inputDims, dims), start * dims);
      g.set(product(u, block.length, this.w.wg, inputDims, dims), start * dims);
    }
    for (const m of [f, g]) for (let i = 0; i < features.length; i++) normalize(m.subarray(i * dims, (i + 1) * dims));
    return { f, g };
  }

  /** Goes-with scores of one query against every candidate (before the candidate step). */
  static scores(q: Projected, candidates: readonly Projected[]): Float32Array {
    const out = new Float32Array(candidates.length);
    candidates.forEach((c, i) => (out[i] = (dot(q.f, c.g) + dot(c.f, q.g)) / 2));
    return out;
  }

  async save(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    const tag = `.tmp-${process.pid}-${Date.now()}`;
    // Weights first; complete.json (with their checksum) is the commit point.
    for (const [name, data] of [
      [COMPLETE_WEIGHTS, packWeights(this.w)],
      [COMPLETE_FILE, JSON.stringify(this.config) + '\n'],
    ] as const) {
      await fs.writeFile(path.join(dir, name + tag), data);
      await fs.rename(path.join(dir, name + tag), path.join(dir, name));
    }
  }

  static async load(dir: string): Promise<GoesWithModel> {
    const config = configSchema.parse(JSON.parse(await fs.readFile(path.join(dir, COMPLETE_FILE), 'utf8')));
    const bytes = await fs.readFile(path.join(dir, COMPLETE_WEIGHTS));
    if (sha256(bytes) !== config.weightsSha256) throw new Error(`${dir}: ${COMPLETE_WEIGHTS} does not match ${COMPLETE_FILE} (checksum)`);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const n = config.inputDims;
    const size = n * config.dims;
    if (all.length !== n + 1 + 2 * size) throw new Error(`${dir}: ${COMPLETE_WEIGHTS} has the wrong size`);
    return new GoesWithModel(config, { mean: all.subarray(0, n), scale: all[n]!, wf: all.subarray(n + 1, n + 1 + size), wg: all.subarray(n + 1 + size) });
  }
}

function packWeights(w: CompleteWeights): Buffer {
  const all = new Float32Array(w.mean.length + 1 + w.wf.length + w.wg.length);
  all.set(w.mean);
  all[w.mean.length] = w.scale;
  all.set(w.wf, w.mean.length + 1);
  all.set(w.wg, w.mean.length + 1 + w.wf.length);
  return Buffer.from(all.buffer);
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Whether trained version `name` has a goes-with model beside its embedding model. */
export function hasCompleteModel(paths: DataPaths, name: string): boolean {
  return fsSync.existsSync(path.join(versionDir(paths, name), COMPLETE_FILE));
}

const completeModels = new Map<string, Promise<GoesWithModel>>();

/** Loads (once per process) the goes-with model of trained version `name`. */
export function loadCompleteModel(paths: DataPaths, name: string): Promise<GoesWithModel> {
  const dir = versionDir(paths, name);
  let m = completeModels.get(dir);
  if (!m) {
    m = GoesWithModel.load(dir);
    m.catch(() => completeModels.delete(dir));
    completeModels.set(dir, m);
  }
  return m;
}
