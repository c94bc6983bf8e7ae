/**
 * A small ONNX graph builder on top of the `onnx-proto` package (protobufjs code generated from
 * onnx.proto, ONNX 1.10 / IR version 8), which does the protobuf encoding. This file only maps
 * our typed-array tensors and attribute kinds onto its messages. Enough to emit inference graphs
 * with float / int64 initializers; no reader, no external data, no sparse tensors.
 */
import onnxProto, { type onnx } from 'onnx-proto';

// A CommonJS module: its namespace comes in as the default export.
const { ModelProto, TensorProto, AttributeProto } = onnxProto.onnx;
const DataType = TensorProto.DataType;
const AttrType = AttributeProto.AttributeType;

export type ElemType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float16' | 'float64';

const ELEM_TYPE_CODE: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
};

/** A dimension is a fixed size or a symbolic name such as `'batch'`. */
export type Dim = number | string;

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: TensorData;
  /** Needed only for Uint8Array data, which could be uint8 or bool. */
  readonly elemType?: ElemType;
}

export type AttrValue =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: TensorSpec }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] };

/** Attribute constructors: ONNX distinguishes ints from floats, JS numbers don't. */
export const attr = {
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  int: (value: number | bigint): AttrValue => ({ kind: 'int', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: TensorSpec): AttrValue => ({ kind: 'tensor', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  ints: (value: readonly (number | bigint)[]): AttrValue => ({ kind: 'ints', value }),
  strings: (value: readonly string[]): AttrValue => ({ kind: 'strings', value }),
} as const;

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttrValue>>;
}

export interface ValueInfoSpec {
  readonly name: string;
  readonly elemType: ElemType;
  readonly dims: readonly Dim[];
}

export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly inputs: readonly ValueInfoSpec[];
  readonly outputs: readonly ValueInfoSpec[];
}

export interface ModelSpec {
  readonly graph: GraphSpec;
  /** Default opset 17 of the default domain. */
  readonly opset?: number;
  /** Default 8 (ONNX 1.10+), readable by every onnxruntime we care about. */
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

// ---- our specs -> onnx-proto messages ----

/** An int64 field's value as protobufjs takes it. */
type Int64 = NonNullable<onnx.IAttributeProto['i']>;
const utf8 = new TextEncoder();

function int64(v: number | bigint): Int64 {
  if (typeof v === 'number') {
    // protobufjs would silently truncate these.
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return v;
  }
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  // Beyond 2^53: protobufjs's writer reads any { low, high } pair as the two 32-bit halves.
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: false } as unknown as Int64;
}

function elemTypeOf(t: TensorSpec): ElemType {
  if (t.elemType) return t.elemType;
  const d = t.data;
  if (d instanceof Float32Array) return 'float32';
  if (d instanceof Float64Array) return 'float64';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof BigInt64Array) return 'int64';
  if (d instanceof Int8Array) return 'int8';
  return 'uint8';
}

function littleEndianBytes(d: TensorData): Uint8Array {
  // raw_data is little-endian; so are all platforms Node runs on, but be explicit.
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  if (probe[0] !== 1) throw new Error('big-endian hosts are not supported by the ONNX writer');
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function tensorProto(t: TensorSpec): onnx.ITensorProto {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor '${t.name}': dims [${t.dims.join(',')}] hold ${count} values, data has ${t.data.length}`);
  }
  return { dims: t.dims.map(int64), dataType: ELEM_TYPE_CODE[elemTypeOf(t)], name: t.name, rawData: littleEndianBytes(t.data) };
}

function attributeProto(name: string, a: AttrValue): onnx.IAttributeProto {
  switch (a.kind) {
    case 'float':
      return { name, type: AttrType.FLOAT, f: a.value };
    case 'int':
      return { name, type: AttrType.INT, i: int64(a.value) };
    case 'string':
      return { name, type: AttrType.STRING, s: utf8.encode(a.value) };
    case 'tensor':
      return { name, type: AttrType.TENSOR, t: tensorProto(a.value) };
    case 'floats':
      return { name, type: AttrType.FLOATS, floats: [...a.value] };
    case 'ints':
      return { name, type: AttrType.INTS, ints: a.value.map(int64) };
    case 'strings':
      return { name, type: AttrType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
  }
}

function nodeProto(n: NodeSpec): onnx.INodeProto {
  return {
    input: [...n.inputs],
    output: [...n.outputs],
    ...(n.name ? { name: n.name } : {}),
    opType: n.opType,
    attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attributeProto(k, v)),
    ...(n.domain ? { domain: n.domain } : {}),
  };
}

function valueInfoProto(v: ValueInfoSpec): onnx.IValueInfoProto {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: int64(d) } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: ELEM_TYPE_CODE[v.elemType], shape: { dim } } } };
}

function graphProto(g: GraphSpec): onnx.IGraphProto {
  return {
    node: g.nodes.map(nodeProto),
    name: g.name,
    initializer: g.initializers.map(tensorProto),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
  };
}

/** Serialises a model to ONNX protobuf bytes, ready for `InferenceSession.create`. */
function encodeModel(m: ModelSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: m.irVersion ?? 8,
    producerName: m.producerName ?? 'loupe',
    ...(m.producerVersion ? { producerVersion: m.producerVersion } : {}),
    ...(m.docString ? { docString: m.docString } : {}),
    graph: graphProto(m.graph),
    opsetImport: [{ domain: '', version: m.opset ?? 17 }],
    metadataProps: Object.entries(m.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return ModelProto.encode(model).finish();
}

/**
 * Incremental graph builder. Value names must be unique; `fresh(prefix)` hands out unused ones.
 */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly inits: TensorSpec[] = [];
  private readonly ins: ValueInfoSpec[] = [];
  private readonly outs: ValueInfoSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'graph') {}

  /** A name not used so far (the counter makes later calls distinct too). */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name '${name}'`);
    this.names.add(name);
    return name;
  }

  input(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.ins.push({ name: this.claim(name), elemType, dims });
    return name;
  }

  /** Declares a graph output; the value itself is produced by some node. */
  output(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.outs.push({ name, elemType, dims });
    return name;
  }

  initializer(name: string, data: TensorData, dims: readonly number[], elemType?: ElemType): string {
    this.inits.push({ name: this.claim(name), data, dims, ...(elemType ? { elemType } : {}) });
    return name;
  }

  /** Adds a node and returns its first output name (generated if `outputs` is omitted). */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttrValue>> = {}, outputs?: readonly string[]): string {
    const outNames = outputs ? outputs.map((o) => this.claim(o)) : [this.fresh(opType.toLowerCase())];
    this.nodes.push({ opType, inputs, outputs: outNames, name: this.fresh(`n_${opType}`), attributes });
    return outNames[0]!;
  }

  toSpec(): GraphSpec {
    return { name: this.name, nodes: [...this.nodes], initializers: [...this.inits], inputs: [...this.ins], outputs: [...this.outs] };
  }

  toBytes(opts: Omit<ModelSpec, 'graph'> = {}): Uint8Array {
    return encodeModel({ ...opts, graph: this.toSpec() });
  }
}
