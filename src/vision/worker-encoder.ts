import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.js';
import type { InputSpec, RgbImage } from './encoder.js';
import type { CreateEncoderOptions, EncoderRuntime, RuntimeEncoder } from './encoders.js';

type Reply = { id: number; ok: true; vectors: Float32Array[] } | { id: number; ok: false; error: string };
type Ready = { kind: 'ready'; id: string; dims: number; input: InputSpec; runtime: EncoderRuntime | 'transformers'; hasText: boolean };

/**
 * An encoder running in its own worker thread. onnxruntime-node's `run` blocks the thread it is
 * called on; here it blocks the worker, so the main thread keeps decoding, writing vectors and
 * answering requests while a batch is inferred.
 */
export class WorkerEncoder implements RuntimeEncoder {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly worker: Worker,
    readonly id: string,
    readonly dims: number,
    readonly input: InputSpec,
    readonly runtime: EncoderRuntime | 'transformers',
    readonly hasText: boolean,
  ) {
    worker.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.vectors);
      else w.reject(new Error(m.error));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => this.failAll(new Error('encoder worker exited')));
    worker.unref();
  }

  static async create(spec: string, options: CreateEncoderOptions): Promise<WorkerEncoder> {
    const worker = startWorker(import.meta.url, 'encoder-worker', { spec, options });
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', (m: Ready | { kind: 'failed'; error: string }) => (m.kind === 'ready' ? resolve(m) : reject(new Error(m.error))));
      worker.once('error', reject);
    }).catch(async (err: Error) => {
      await worker.terminate();
      throw err;
    });
    return new WorkerEncoder(worker, ready.id, ready.dims, ready.input, ready.runtime, ready.hasText);
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Float32Array[]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    }) as Promise<Float32Array[]>;
  }

  encode(images: readonly RgbImage[]): Promise<Float32Array[]> {
    // Copies, not transfers: callers may keep their pixels (and views may share one buffer).
    return this.call({ kind: 'encode', images: images.map((im) => ({ width: im.width, height: im.height, data: im.data })) });
  }

  encodeText(texts: readonly string[]): Promise<Float32Array[]> {
    return this.call({ kind: 'encodeText', texts: [...texts] });
  }

  async close(): Promise<void> {
    await this.call({ kind: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
