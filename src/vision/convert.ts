/**
 * A small tfjs GraphModel -> ONNX converter for convolutional feature extractors: enough ops
 * for MobileNet-style graphs, cut at a chosen feature node. The ONNX graph is NCHW throughout
 * (input [N,C,H,W]); every op is re-expressed in NCHW instead of wrapping it in transposes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../errors.js';
import { GraphBuilder, attr, type AttrValue } from './onnx-proto.js';
import { loadNsfwjsGraph, nsfwjsModelSha, tfString, type NsfwjsModelName, type TfAttrValue, type TfGraphDef, type TfNodeDef, type WeightTensor } from './nsfw-model.js';

/** Bump when the converter's output changes, so cached conversions are redone. */
export const CONVERTER_VERSION = 1;

export interface ConvertOptions {
  /** tfjs node whose output becomes the ONNX output (must be rank 2: [N, D]). */
  readonly outputNode: string;
  readonly inputName?: string;
  readonly outputName?: string;
  readonly docString?: string;
}

export interface ConvertedModel {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  /** [C, H, W] of one input image. */
  readonly inputShape: readonly [number, number, number];
  readonly dims: number;
}

export class UnsupportedOpError extends LoupeError {
  constructor(
    readonly op: string,
    readonly node: string,
    detail = '',
  ) {
    super('unprocessable', `tfjs->onnx: unsupported op '${op}' at node '${node}'${detail ? `: ${detail}` : ''}`);
  }
}

/** A converted tensor: its ONNX name and its TF (NHWC, batch = -1) shape. */
interface Val {
  readonly name: string;
  readonly shape: readonly number[];
}

const baseName = (input: string): string => input.replace(/^\^/, '').replace(/:\d+$/, '');

function ints(a: TfAttrValue | undefined): number[] | undefined {
  return a?.list?.i?.map(Number);
}

function placeholderShape(n: TfNodeDef): number[] {
  const shape = n.attr.shape?.shape;
  const dims = typeof shape === 'object' && shape !== null && 'dim' in shape ? (shape as { dim: unknown }).dim : undefined;
  if (!Array.isArray(dims)) throw new UnsupportedOpError(n.op, n.name, 'input without a static shape');
  return dims.map((d: unknown) => Number((d as { size?: string }).size ?? -1));
}

/** Output size and [begin, end] padding of one spatial axis, TF semantics (extra pad at the end). */
function padAxis(size: number, k: number, stride: number, dilation: number, padding: string): [number, number, number] {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'VALID') return [Math.floor((size - eff) / stride) + 1, 0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + eff - size, 0);
  const begin = Math.floor(total / 2);
  return [out, begin, total - begin];
}

function hwioToOihw(w: WeightTensor): Float32Array {
  const [kh, kw, ci, co] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let h = 0; h < kh; h++) for (let x = 0; x < kw; x++) out[((o * ci + i) * kh + h) * kw + x] = w.data[((h * kw + x) * ci + i) * co + o]!;
  return out;
}

/** Depthwise [kh,kw,C,M] -> grouped-conv [C*M,1,kh,kw]; output channel c*M+m, as in TF. */
function depthwiseToOihw(w: WeightTensor): Float32Array {
  const [kh, kw, c, m] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let ch = 0; ch < c; ch++)
    for (let mm = 0; mm < m; mm++) for (let h = 0; h < kh; h++) for (let x = 0; x < kw; x++) out[((ch * m + mm) * kh + h) * kw + x] = w.data[((h * kw + x) * c + ch) * m + mm]!;
  return out;
}

class Converter {
  private readonly g = new GraphBuilder('tfjs_converted');
  private readonly vals = new Map<string, Val>();
  private readonly consts = new Map<string, WeightTensor>();
  private clipBounds: [string, string] | undefined;

  constructor(private readonly weights: ReadonlyMap<string, WeightTensor>) {}

  private val(n: TfNodeDef, i: number): Val {
    const name = baseName(n.input[i] ?? '');
    const v = this.vals.get(name);
    if (!v) throw new UnsupportedOpError(n.op, n.name, `input ${i} ('${name}') is not a tensor computed by this graph`);
    return v;
  }

  private constOf(n: TfNodeDef, i: number): WeightTensor | undefined {
    return this.consts.get(baseName(n.input[i] ?? ''));
  }

  private set(n: TfNodeDef, name: string, shape: readonly number[]): void {
    this.vals.set(n.name, { name, shape });
  }

  private relu6(x: string): string {
    this.clipBounds ??= [this.g.initializer('relu6_min', new Float32Array([0]), []), this.g.initializer('relu6_max', new Float32Array([6]), [])];
    return this.g.node('Clip', [x, ...this.clipBounds]);
  }

  private activation(n: TfNodeDef, x: string, op: string | undefined): string {
    if (op === undefined) return x;
    if (op === 'Relu') return this.g.node('Relu', [x]);
    if (op === 'Relu6') return this.relu6(x);
    throw new UnsupportedOpError(n.op, n.name, `fused activation '${op}'`);
  }

  private conv(n: TfNodeDef, depthwise: boolean): void {
    const x = this.val(n, 0);
    const w = this.constOf(n, 1);
    if (!w || w.shape.length !== 4 || x.shape.length !== 4) throw new UnsupportedOpError(n.op, n.name, 'needs a rank-4 input and a constant filter');
    const format = tfString(n.attr.data_format?.s) ?? 'NHWC';
    const padding = tfString(n.attr.padding?.s) ?? '';
    if (format !== 'NHWC') throw new UnsupportedOpError(n.op, n.name, `data_format ${format}`);
    if (padding !== 'SAME' && padding !== 'VALID') throw new UnsupportedOpError(n.op, n.name, `padding '${padding}'`);
    const [, sh, sw] = ints(n.attr.strides) ?? [1, 1, 1, 1];
    const [, dh, dw] = ints(n.attr.dilations) ?? [1, 1, 1, 1];
    const fused = (n.attr.fused_ops?.list?.s ?? []).map((s) => tfString(s) ?? '');
    const fusedKnown = fused.length === 0 || (fused[0] === 'BiasAdd' && fused.length <= 2);
    if (!n.op.startsWith('Fused') && !n.op.startsWith('_Fused') && fused.length > 0) throw new UnsupportedOpError(n.op, n.name);
    if (!fusedKnown) throw new UnsupportedOpError(n.op, n.name, `fused_ops [${fused.join(', ')}]`);

    const [kh, kw, ci, cm] = w.shape as [number, number, number, number];
    const [, H, W, C] = x.shape as [number, number, number, number];
    if (ci !== C) throw new UnsupportedOpError(n.op, n.name, `filter expects ${ci} channels, input has ${C}`);
    const [oh, pt, pb] = padAxis(H, kh, sh ?? 1, dh ?? 1, padding);
    const [ow, pl, pr] = padAxis(W, kw, sw ?? 1, dw ?? 1, padding);
    const outC = depthwise ? ci * cm : cm;

    const inputs = [x.name, this.g.initializer(this.g.fresh('W'), depthwise ? depthwiseToOihw(w) : hwioToOihw(w), depthwise ? [outC, 1, kh, kw] : [cm, ci, kh, kw])];
    if (fused[0] === 'BiasAdd') {
      const b = this.constOf(n, 2);
      if (!b || b.data.length !== outC) throw new UnsupportedOpError(n.op, n.name, 'BiasAdd needs a constant bias per output channel');
      inputs.push(this.g.initializer(this.g.fresh('B'), b.data, [outC]));
    }
    const attrs: Record<string, AttrValue> = {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([sh ?? 1, sw ?? 1]),
      dilations: attr.ints([dh ?? 1, dw ?? 1]),
      pads: attr.ints([pt, pl, pb, pr]),
      group: attr.int(depthwise ? ci : 1),
    };
    const y = this.activation(n, this.g.node('Conv', inputs, attrs), fused[1]);
    this.set(n, y, [-1, oh, ow, outC]);
  }

  private pool(n: TfNodeDef): void {
    const x = this.val(n, 0);
    const [, kh, kw] = ints(n.attr.ksize) ?? [];
    const [, sh, sw] = ints(n.attr.strides) ?? [1, 1, 1, 1];
    const padding = tfString(n.attr.padding?.s) ?? '';
    const format = tfString(n.attr.data_format?.s) ?? 'NHWC';
    if (x.shape.length !== 4 || !kh || !kw || format !== 'NHWC') throw new UnsupportedOpError(n.op, n.name, 'needs NHWC rank-4 input and ksize');
    if (padding !== 'SAME' && padding !== 'VALID') throw new UnsupportedOpError(n.op, n.name, `padding '${padding}'`);
    const [, H, W, C] = x.shape as [number, number, number, number];
    const avg = n.op === 'AvgPool';
    if (padding === 'VALID' && kh === H && kw === W) {
      this.set(n, this.g.node(avg ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name]), [-1, 1, 1, C]);
      return;
    }
    const [oh, pt, pb] = padAxis(H, kh, sh ?? 1, 1, padding);
    const [ow, pl, pr] = padAxis(W, kw, sw ?? 1, 1, padding);
    const attrs: Record<string, AttrValue> = {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([sh ?? 1, sw ?? 1]),
      pads: attr.ints([pt, pl, pb, pr]),
      // TF averages over the valid (unpadded) window only.
      ...(avg ? { count_include_pad: attr.int(0) } : {}),
    };
    this.set(n, this.g.node(avg ? 'AveragePool' : 'MaxPool', [x.name], attrs), [-1, oh, ow, C]);
  }

  /** Element-wise binary op; a constant operand may be a scalar or a per-channel vector. */
  private binary(n: TfNodeDef, onnxOp: string): void {
    const operands = [0, 1].map((i) => {
      const c = this.constOf(n, i);
      return c ? { c } : { v: this.val(n, i) };
    });
    const value = operands.find((o) => o.v)?.v;
    if (!value) throw new UnsupportedOpError(n.op, n.name, 'both operands are constants');
    const names = operands.map(({ c, v }) => {
      if (v) {
        if (v.shape.join() !== value.shape.join()) throw new UnsupportedOpError(n.op, n.name, 'broadcasting between computed tensors');
        return v.name;
      }
      const k = c!;
      if (k.shape.length === 0) return this.g.initializer(this.g.fresh('k'), k.data, []);
      const C = value.shape[value.shape.length - 1];
      if (k.shape.length === 1 && k.data.length === C && value.shape.length === 4) {
        return this.g.initializer(this.g.fresh('k'), k.data, [C, 1, 1]);
      }
      throw new UnsupportedOpError(n.op, n.name, `constant operand of shape [${k.shape.join(',')}]`);
    });
    this.set(n, this.g.node(onnxOp, names), value.shape);
  }

  private squeeze(n: TfNodeDef): void {
    const x = this.val(n, 0);
    const dims = ints(n.attr.squeeze_dims) ?? ints(n.attr.axis) ?? [];
    if (x.shape.length === 4 && dims.join() === '1,2' && x.shape[1] === 1 && x.shape[2] === 1) {
      this.set(n, this.g.node('Flatten', [x.name], { axis: attr.int(1) }), [-1, x.shape[3]!]);
      return;
    }
    throw new UnsupportedOpError(n.op, n.name, `squeeze_dims [${dims.join(',')}] of shape [${x.shape.join(',')}]`);
  }

  add(n: TfNodeDef, inputName: string): void {
    switch (n.op) {
      case 'Const': {
        const w = this.weights.get(n.name);
        if (!w) throw new UnsupportedOpError(n.op, n.name, 'constant missing from the weights manifest');
        this.consts.set(n.name, w);
        return;
      }
      case 'Placeholder': {
        const [, H, W, C] = placeholderShape(n);
        if (!H || !W || !C || H < 0 || W < 0 || C < 0) throw new UnsupportedOpError(n.op, n.name, 'input must be NHWC with static H, W, C');
        this.set(n, this.g.input(inputName, 'float32', ['batch', C, H, W]), [-1, H, W, C]);
        return;
      }
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(n, false);
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(n, true);
      case 'AvgPool':
      case 'MaxPool':
        return this.pool(n);
      case 'Add':
      case 'AddV2':
        return this.binary(n, 'Add');
      case 'Sub':
        return this.binary(n, 'Sub');
      case 'Mul':
        return this.binary(n, 'Mul');
      case 'Relu':
      case 'Relu6': {
        const x = this.val(n, 0);
        return this.set(n, this.activation(n, x.name, n.op), x.shape);
      }
      case 'Squeeze':
        return this.squeeze(n);
      case 'Identity': {
        const c = this.constOf(n, 0);
        if (c) this.consts.set(n.name, c);
        else this.vals.set(n.name, this.val(n, 0));
        return;
      }
      default:
        throw new UnsupportedOpError(n.op, n.name);
    }
  }

  finish(outputNode: string, outputName: string, docString?: string): ConvertedModel {
    const out = this.vals.get(outputNode);
    if (!out || out.shape.length !== 2) throw new Error(`tfjs->onnx: output node '${outputNode}' must be a computed rank-2 tensor`);
    const dims = out.shape[1]!;
    this.g.node('Identity', [out.name], {}, [outputName]);
    this.g.output(outputName, 'float32', ['batch', dims]);
    const input = this.g.toSpec().inputs[0];
    if (!input) throw new Error('tfjs->onnx: graph has no input');
    const [, c, h, w] = input.dims as [string, number, number, number];
    const bytes = this.g.toBytes({
      opset: 17,
      producerName: 'loupe-tfjs-convert',
      producerVersion: String(CONVERTER_VERSION),
      ...(docString ? { docString } : {}),
    });
    return { bytes, inputName: input.name, outputName, inputShape: [c, h, w], dims };
  }
}

/** Converts the part of `graph` that `opts.outputNode` depends on. Throws on any op it doesn't know. */
export function convertTfjsGraph(graph: TfGraphDef, weights: ReadonlyMap<string, WeightTensor>, opts: ConvertOptions): ConvertedModel {
  const byName = new Map(graph.node.map((n) => [n.name, n]));
  const conv = new Converter(weights);
  const done = new Set<string>();
  let placeholders = 0;
  // Post-order walk from the output: visits only what the cut needs, in dependency order.
  const visit = (name: string): void => {
    if (done.has(name)) return;
    done.add(name);
    const n = byName.get(name);
    if (!n) throw new Error(`tfjs->onnx: no node named '${name}'`);
    for (const i of n.input) if (!i.startsWith('^')) visit(baseName(i));
    if (n.op === 'Placeholder' && ++placeholders > 1) throw new Error('tfjs->onnx: graphs with several inputs are not supported');
    conv.add(n, opts.inputName ?? 'input');
  };
  visit(opts.outputNode);
  return conv.finish(opts.outputNode, opts.outputName ?? 'features', opts.docString);
}

/** Where the tfjs graphs we know end: their pooled feature vector. */
export const NSFWJS_FEATURE_NODES: Readonly<Record<NsfwjsModelName, string>> = Object.freeze({
  mobilenet_v2_mid: 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
});

/** Cached file name of a converted nsfwjs model: `<name>-<sha of source>-c<converter>.onnx`. */
export function convertedFileName(name: NsfwjsModelName, sourceSha: string): string {
  return `${name}-${sourceSha}-c${CONVERTER_VERSION}.onnx`;
}

/**
 * Returns the path of the ONNX conversion of an nsfwjs backbone under `modelsDir`, converting
 * once and caching (write to a temp file, then rename, so readers never see half a model).
 */
export async function ensureNsfwjsOnnx(modelsDir: string, name: NsfwjsModelName = 'mobilenet_v2_mid'): Promise<string> {
  const sha = await nsfwjsModelSha(name);
  const file = path.join(modelsDir, convertedFileName(name, sha));
  if (existsSync(file)) return file;
  const art = await loadNsfwjsGraph(name);
  const model = convertTfjsGraph(art.graph, art.weights, {
    outputNode: NSFWJS_FEATURE_NODES[name],
    docString: `${name} from nsfwjs (source sha ${art.sourceSha}), cut at the global-pool feature vector`,
  });
  await mkdir(modelsDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, model.bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}
