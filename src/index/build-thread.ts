import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.js';
import type { VectorPage } from '../store/vectors.js';
import { UsearchIndex } from './usearch-index.js';

/** What the serving thread sends the build thread. */
export type BuildRequest = { kind: 'add'; ids: string[]; flat: Float32Array; seq: number } | { kind: 'finish'; state: Record<string, number> };
export type BuildReply = { ok: true; kind: 'added' | 'saved' } | { ok: false; error: string };

/** Pages handed over and not yet added: reading the next page overlaps the add of this one, and memory stays at two pages. */
const IN_FLIGHT = 2;

/**
 * Builds a whole new usearch index in a worker thread and saves it to `dir`; this thread only reads
 * pages (`first`, then `next(afterSeq)` until a short page) and hands them over, so a serving
 * process keeps answering for the versions it already serves. In this thread, slices of 4,096 adds
 * held the event loop for seconds each at 1M items. Resolves to the saved index loaded back, or
 * undefined when the thread could not start or failed: the caller then builds in-process, reading
 * from the start again (pages handed over are gone from this thread).
 */
export async function buildInThread(
  first: VectorPage,
  next: (afterSeq: number) => Promise<VectorPage>,
  pageSize: number,
  dims: number,
  dir: string,
  state: Record<string, number>,
): Promise<{ index: UsearchIndex; added: number } | undefined> {
  let worker: Worker;
  try {
    worker = startWorker(import.meta.url, 'build-worker', { dims, dir });
  } catch {
    return undefined;
  }
  const waiting: { resolve: (kind: string) => void; reject: (err: Error) => void }[] = [];
  const failAll = (err: Error) => waiting.splice(0).forEach((w) => w.reject(err));
  worker.on('message', (m: BuildReply) => (m.ok ? waiting.shift()?.resolve(m.kind) : failAll(new Error(m.error))));
  worker.once('error', failAll);
  worker.once('exit', (code) => failAll(new Error(`index build thread exited (${code})`)));
  const send = (req: BuildRequest, transfer: ArrayBuffer[] = []) =>
    new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.postMessage(req, transfer);
    });
  try {
    let added = 0;
    const inFlight: Promise<string>[] = [];
    for (let page: VectorPage | undefined = first; page;) {
      const last = page.seqs.at(-1);
      if (last === undefined) break;
      added += page.ids.length;
      inFlight.push(send({ kind: 'add', ids: page.ids, flat: page.flat, seq: last }, [page.flat.buffer as ArrayBuffer]));
      const full: boolean = page.ids.length >= pageSize;
      while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      page = full ? await next(last) : undefined;
    }
    await Promise.all(inFlight);
    await send({ kind: 'finish', state });
    const index = await UsearchIndex.load(dir, dims);
    return index ? { index, added } : undefined;
  } catch {
    return undefined;
  } finally {
    void worker.terminate();
  }
}
