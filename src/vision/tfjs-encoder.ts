/**
 * Fallback runtime: the original tfjs graph on the tfjs wasm backend, run up to the feature
 * node. Same weights (dequantized by nsfw-model.ts) and same pixels as the ONNX runtime, so it
 * yields the same features, only slower. Import this module lazily: it pulls in tfjs.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { l2normalize, type Encoder, type InputSpec, type RgbImage } from './encoder.js';
import { NSFWJS_FEATURE_NODES } from './convert.js';
import { loadNsfwjsGraph, type NsfwjsModelName } from './nsfw-model.js';
import { chunks } from './pixels.js';

export interface TfjsEncoderOptions {
  readonly id: string;
  readonly model?: NsfwjsModelName;
  readonly input: InputSpec;
  /** XNNPACK threads; only honoured where the threaded wasm build runs (not in Node: it stays at 1). */
  readonly threads?: number;
  readonly batchSize?: number;
}

let backendReady: Promise<void> | undefined;

export function initBackend(threads: number | undefined): Promise<void> {
  backendReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths({
      'tfjs-backend-wasm.wasm': path.join(dist, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': path.join(dist, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': path.join(dist, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
    if (threads) setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

/** Packs HWC uint8 images into an NHWC float32 batch in [0, 1] (the graph does its own *2-1). */
function toNhwc(images: readonly RgbImage[], size: number): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(images.length * per);
  images.forEach((img, n) => {
    if (img.width !== size || img.height !== size) throw new Error(`expected a ${size}x${size} image, got ${img.width}x${img.height}`);
    for (let i = 0; i < per; i++) out[n * per + i] = img.data[i]! * (1 / 255);
  });
  return out;
}

export class TfjsEncoder implements Encoder {
  readonly runtime = 'tfjs' as const;
  /** Threads the wasm backend actually uses. */
  readonly threads = getThreadsCount();
  private closed = false;

  private constructor(
    readonly id: string,
    readonly dims: number,
    readonly input: InputSpec,
    private readonly model: tf.GraphModel,
    private readonly outputNode: string,
    private readonly batchSize: number,
  ) {}

  static async create(opts: TfjsEncoderOptions): Promise<TfjsEncoder> {
    const name = opts.model ?? 'mobilenet_v2_mid';
    const [art] = await Promise.all([loadNsfwjsGraph(name), initBackend(opts.threads)]);
    // The manifest is rewritten as plain float32 so tfjs sees exactly the weights ONNX gets.
    const weightSpecs: tf.io.WeightsManifestEntry[] = [];
    const parts: Float32Array[] = [];
    for (const [wname, w] of art.weights) {
      weightSpecs.push({ name: wname, shape: [...w.shape], dtype: 'float32' });
      parts.push(w.data);
    }
    const total = parts.reduce((a, p) => a + p.length, 0);
    const weightData = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      weightData.set(p, o);
      o += p.length;
    }
    const handler = tf.io.fromMemory({ modelTopology: art.graph, weightSpecs, weightData: weightData.buffer, format: 'graph-model' });
    const model = await tf.loadGraphModel(handler);
    const outputNode = NSFWJS_FEATURE_NODES[name];
    const probe = tf.tidy(() => model.execute(tf.zeros([1, opts.input.size, opts.input.size, 3]), outputNode) as tf.Tensor);
    const dims = probe.shape[1] ?? 0;
    probe.dispose();
    return new TfjsEncoder(opts.id, dims, opts.input, model, outputNode, opts.batchSize ?? 16);
  }

  async encode(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error('encoder is closed');
    const s = this.input.size;
    const out: Float32Array[] = [];
    for (const batch of chunks(images, this.batchSize)) {
      const y = tf.tidy(() => {
        const x = tf.tensor4d(toNhwc(batch, s), [batch.length, s, s, 3]);
        return this.model.execute(x, this.outputNode) as tf.Tensor;
      });
      const data = (await y.data()) as Float32Array;
      y.dispose();
      for (let i = 0; i < batch.length; i++) out.push(l2normalize(data.slice(i * this.dims, (i + 1) * this.dims)));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.model.dispose();
  }
}
