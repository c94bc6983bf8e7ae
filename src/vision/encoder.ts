/** Pixels after decoding and resizing: interleaved RGB (HWC), 8 bits per channel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array; // length = width * height * 3
}

/** How an encoder wants its pixels: square side and crop rule, applied by the decoder. */
export interface InputSpec {
  readonly size: number;
  readonly fit: 'cover' | 'contain' | 'fill';
}

/**
 * The model-runtime door: turns decoded images into L2-normalised vectors.
 * One implementation per runtime (onnxruntime-node, tfjs-wasm, transformers.js).
 */
export interface Encoder {
  /** Stable id of backbone + preprocessing, recorded with every version built from it. */
  readonly id: string;
  readonly dims: number;
  readonly input: InputSpec;
  encode(images: readonly RgbImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Scales `v` to unit length in place (zero vectors stay zero) and returns it. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
