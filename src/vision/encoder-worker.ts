// Runs one encoder inside a worker thread (see worker-encoder.ts): inference blocks its thread,
// so it must not be the thread that serves requests, decodes and writes to the database.
import { parentPort, workerData } from 'node:worker_threads';
import type { RgbImage } from './encoder.js';
import { createEncoder, type CreateEncoderOptions } from './encoders.js';

interface Init {
  spec: string;
  options: CreateEncoderOptions;
}
type Request = { id: number; kind: 'encode'; images: RgbImage[] } | { id: number; kind: 'encodeText'; texts: string[] } | { id: number; kind: 'close' };

const port = parentPort!;
const { spec, options } = workerData as Init;

try {
  const encoder = await createEncoder(spec, options);
  const textCapable = 'encodeText' in encoder && (encoder as { hasText?: unknown }).hasText === true;
  port.postMessage({ kind: 'ready', id: encoder.id, dims: encoder.dims, input: encoder.input, runtime: encoder.runtime, hasText: textCapable });
  port.on('message', async (msg: Request) => {
    try {
      if (msg.kind === 'close') {
        await encoder.close();
        port.postMessage({ id: msg.id, ok: true, vectors: [] });
        port.close();
        return;
      }
      const vectors = msg.kind === 'encode' ? await encoder.encode(msg.images) : await (encoder as unknown as { encodeText(t: string[]): Promise<Float32Array[]> }).encodeText(msg.texts);
      port.postMessage(
        { id: msg.id, ok: true, vectors },
        vectors.map((v) => v.buffer as ArrayBuffer),
      );
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: (err as Error).message });
    }
  });
} catch (err) {
  port.postMessage({ kind: 'failed', error: (err as Error).message });
}
