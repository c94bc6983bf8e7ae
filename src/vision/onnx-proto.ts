/**
 * A minimal ONNX writer: hand-rolled protobuf encoding of ModelProto and the messages it
 * needs (field numbers from onnx/onnx.proto3). Enough to emit inference graphs with float /
 * int64 initializers; no reader, no external data, no sparse tensors.
 */

export type ElemType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float16' | 'float64';

const ELEM_TYPE_CODE: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
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

// ---- protobuf wire encoding ----

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;
const utf8 = new TextEncoder();

class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(v: number | bigint): void {
    // int64 fields carry negatives as 10-byte two's complement varints.
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish());
  }

  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

// ---- ONNX messages ----

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

function tensorProto(t: TensorSpec): ProtoWriter {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor '${t.name}': dims [${t.dims.join(',')}] hold ${count} values, data has ${t.data.length}`);
  }
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.int(2, ELEM_TYPE_CODE[elemTypeOf(t)]);
  w.string(8, t.name);
  w.bytes(9, littleEndianBytes(t.data));
  return w;
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

function attributeProto(name: string, a: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name).int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      return w.float(2, a.value);
    case 'int':
      return w.int(3, a.value);
    case 'string':
      return w.string(4, a.value);
    case 'tensor':
      return w.message(5, tensorProto(a.value));
    case 'floats':
      return w.packedFloats(7, a.value);
    case 'ints':
      return w.packedInts(8, a.value);
    case 'strings':
      for (const s of a.value) w.string(9, s);
      return w;
  }
}

function nodeProto(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attributeProto(k, v));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function valueInfoProto(v: ValueInfoSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ELEM_TYPE_CODE[v.elemType]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function graphProto(g: GraphSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorProto(t));
  for (const i of g.inputs) w.message(11, valueInfoProto(i));
  for (const o of g.outputs) w.message(12, valueInfoProto(o));
  return w;
}

/** Serialises a model to ONNX protobuf bytes, ready for `InferenceSession.create`. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion ?? 8);
  w.string(2, m.producerName ?? 'loupe');
  if (m.producerVersion) w.string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, graphProto(m.graph));
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opset ?? 17));
  for (const [k, v] of Object.entries(m.metadata ?? {})) {
    w.message(14, new ProtoWriter().string(1, k).string(2, v));
  }
  return w.finish();
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
