/**
 * Reads the tfjs GraphModel artefacts that ship inside the nsfwjs package (UMD-wrapped JSON
 * and base64 weight shards) without importing nsfwjs or tfjs, and dequantizes the weights.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export const NSFWJS_MODELS = Object.freeze(['mobilenet_v2_mid'] as const);
export type NsfwjsModelName = (typeof NSFWJS_MODELS)[number];

export interface TfAttrValue {
  readonly s?: string; // base64
  readonly i?: string;
  readonly f?: number;
  readonly b?: boolean;
  readonly type?: string;
  readonly list?: { readonly s?: readonly string[]; readonly i?: readonly string[]; readonly f?: readonly number[] };
  readonly shape?: unknown;
  readonly tensor?: unknown;
}

export interface TfNodeDef {
  readonly name: string;
  readonly op: string;
  readonly input: readonly string[];
  readonly attr: Readonly<Record<string, TfAttrValue>>;
}

export interface TfGraphDef {
  readonly node: readonly TfNodeDef[];
  readonly versions?: unknown;
  readonly library?: unknown;
}

export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface TfjsGraphArtefacts {
  readonly name: string;
  readonly graph: TfGraphDef;
  /** Dequantized float32 weights, in manifest order. */
  readonly weights: ReadonlyMap<string, WeightTensor>;
  /** Short sha256 of the source files (model JSON + shards). */
  readonly sourceSha: string;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

/** Folder holding `model.min.js` and its weight shards for `name`. */
export function nsfwjsModelDir(name: NsfwjsModelName = 'mobilenet_v2_mid'): string {
  // nsfwjs doesn't export its package.json; resolve the (unloaded) main entry and walk up.
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('nsfwjs'));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'nsfwjs') {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot locate the nsfwjs package folder');
    dir = up;
  }
  return path.join(dir, 'dist', 'models', name);
}

/** Evaluates a UMD bundle in an empty context and returns what it assigns to `module.exports`. */
function evalUmd(source: string, file: string): unknown {
  const mod: { exports: unknown } = { exports: {} };
  vm.runInNewContext(source, { module: mod, exports: mod.exports }, { filename: file });
  return mod.exports;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseModelJson(exported: unknown, file: string): { graph: TfGraphDef; manifest: ManifestGroup[] } {
  // Round-trip through JSON so nothing from the vm realm (foreign prototypes) leaks out.
  const m: unknown = JSON.parse(JSON.stringify(exported));
  if (!isRecord(m) || !isRecord(m.modelTopology) || !Array.isArray(m.weightsManifest)) {
    throw new Error(`${file}: not a tfjs graph-model artefact`);
  }
  if (m.format !== 'graph-model') throw new Error(`${file}: format '${String(m.format)}', expected 'graph-model'`);
  const nodes = m.modelTopology.node;
  if (!Array.isArray(nodes)) throw new Error(`${file}: modelTopology.node missing`);
  for (const n of nodes) {
    if (!isRecord(n) || typeof n.name !== 'string' || typeof n.op !== 'string') throw new Error(`${file}: malformed node`);
    if (n.input !== undefined && !Array.isArray(n.input)) throw new Error(`${file}: node ${n.name} has malformed inputs`);
  }
  const graph: TfGraphDef = {
    ...m.modelTopology,
    node: (nodes as Record<string, unknown>[]).map((n) => ({
      name: n.name as string,
      op: n.op as string,
      input: (n.input as string[] | undefined) ?? [],
      attr: (isRecord(n.attr) ? n.attr : {}) as Record<string, TfAttrValue>,
    })),
  };
  const manifest = (m.weightsManifest as unknown[]).map((g): ManifestGroup => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new Error(`${file}: malformed weightsManifest`);
    return { paths: g.paths as string[], weights: g.weights as ManifestEntry[] };
  });
  return { graph, manifest };
}

function dequantize(entry: ManifestEntry, bytes: Buffer, offset: number): { data: Float32Array; byteLength: number } {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const q = entry.quantization;
  if (!q) {
    if (entry.dtype !== 'float32') throw new Error(`weight ${entry.name}: unsupported dtype ${entry.dtype}`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(offset + i * 4);
    return { data, byteLength: count * 4 };
  }
  if ((q.dtype !== 'uint8' && q.dtype !== 'uint16') || q.min === undefined || q.scale === undefined) {
    throw new Error(`weight ${entry.name}: unsupported quantization ${JSON.stringify(q)}`);
  }
  const { min, scale } = q;
  const width = q.dtype === 'uint8' ? 1 : 2;
  const data = new Float32Array(count);
  // Same expression order as tfjs's decodeWeights, so both runtimes see bit-identical floats.
  if (width === 1) for (let i = 0; i < count; i++) data[i] = bytes[offset + i]! * scale + min;
  else for (let i = 0; i < count; i++) data[i] = bytes.readUInt16LE(offset + 2 * i) * scale + min;
  return { data, byteLength: count * width };
}

interface Sources {
  dir: string;
  parsed: ReturnType<typeof parseModelJson>;
  shardSources: string[];
  sourceSha: string;
}

async function readSources(name: NsfwjsModelName): Promise<Sources> {
  const dir = nsfwjsModelDir(name);
  const modelFile = path.join(dir, 'model.min.js');
  const modelSource = await readFile(modelFile, 'utf8');
  const parsed = parseModelJson(evalUmd(modelSource, modelFile), modelFile);
  const paths = parsed.manifest.flatMap((g) => g.paths);
  const shardSources = await Promise.all(paths.map((p) => readFile(path.join(dir, `${p}.min.js`), 'utf8')));
  const h = createHash('sha256').update(modelSource);
  for (const s of shardSources) h.update(s);
  return { dir, parsed, shardSources, sourceSha: h.digest('hex').slice(0, 12) };
}

/** Short sha256 of the packaged artefacts, without decoding the weights. */
export async function nsfwjsModelSha(name: NsfwjsModelName = 'mobilenet_v2_mid'): Promise<string> {
  return (await readSources(name)).sourceSha;
}

/** Loads topology and dequantized float32 weights of a model packaged with nsfwjs. */
export async function loadNsfwjsGraph(name: NsfwjsModelName = 'mobilenet_v2_mid'): Promise<TfjsGraphArtefacts> {
  const { dir, parsed, shardSources, sourceSha } = await readSources(name);
  const weights = new Map<string, WeightTensor>();
  let shardIndex = 0;
  for (const group of parsed.manifest) {
    const buffers = group.paths.map((p) => {
      const exported = evalUmd(shardSources[shardIndex++]!, path.join(dir, `${p}.min.js`));
      if (typeof exported !== 'string') throw new Error(`${p}.min.js: expected a base64 string export`);
      return Buffer.from(exported, 'base64');
    });
    const bytes = Buffer.concat(buffers);
    let offset = 0;
    for (const entry of group.weights) {
      const { data, byteLength } = dequantize(entry, bytes, offset);
      weights.set(entry.name, { shape: entry.shape, data });
      offset += byteLength;
    }
    if (offset !== bytes.length) throw new Error(`${name}: weight shards hold ${bytes.length} bytes, manifest describes ${offset}`);
  }
  return { name, graph: parsed.graph, weights, sourceSha };
}

/** Decodes a base64 tfjs string attribute (`padding`, `data_format`, `fused_ops` entries). */
export function tfString(v: string | undefined): string | undefined {
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}
