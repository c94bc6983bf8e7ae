import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.js';
import type { VectorPage } from '../store/vectors.js';
import { UsearchIndex } from './usearch-index.js';

/** What the serving thread sends the build thread. */
export type BuildRequest = { kind: 'add'; ids: string[]; flat: Float32Array; seq: number } | { kind: 'finish'; state: Record<string, number> };
export type BuildReply = { ok: true; kind: 'added' } | { ok: true; kind: 'saved'; seconds: ThreadSeconds } | { ok: false; error: string };

/** Where a thread build's time went: the serving thread's page reads and waits for the thread; the thread's adds and lists; the save (the thread's, plus loading the result back). */
export interface ThreadSeconds {
  read: number;
  wait: number;
  add: number;
  lists: number;
  save: number;
}

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
): Promise<{ index: UsearchIndex; added: number; seconds: ThreadSeconds } | undefined> {
  let worker: Worker;
  try {
    worker = startWorker(import.meta.url, 'build-worker', { dims, dir });
  } catch {
    return undefined;
  }
  const waiting: { resolve: (m: BuildReply) => void; reject: (err: Error) => void }[] = [];
  const failAll = (err: Error) => waiting.splice(0).forEach((w) => w.reject(err));
  worker.on('message', (m: BuildReply) => (m.ok ? waiting.shift()?.resolve(m) : failAll(new Error(m.error))));
  worker.once('error', failAll);
  worker.once('exit', (code) => failAll(new Error(`index build thread exited (${code})`)));
  const send = (req: BuildRequest, transfer: ArrayBuffer[] = []) =>
    new Promise<BuildReply>((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.postMessage(req, transfer);
    });
  const clock = (t: number) => (performance.now() - t) / 1000;
  try {
    let added = 0;
    let [read, wait] = [0, 0];
    const inFlight: Promise<BuildReply>[] = [];
    for (let page: VectorPage | undefined = first; page;) {
      const last = page.seqs.at(-1);
      if (last === undefined) break;
      added += page.ids.length;
      inFlight.push(send({ kind: 'add', ids: page.ids, flat: page.flat, seq: last }, [page.flat.buffer as ArrayBuffer]));
      const full: boolean = page.ids.length >= pageSize;
      let t = performance.now();
      while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      wait += clock(t);
      t = performance.now();
      page = full ? await next(last) : undefined;
      read += clock(t);
    }
    let t = performance.now();
    await Promise.all(inFlight);
    wait += clock(t);
    const done = await send({ kind: 'finish', state });
    t = performance.now();
    const index = await UsearchIndex.load(dir, dims);
    const seconds = done.ok && done.kind === 'saved' ? { ...done.seconds, read, wait } : { read, wait, add: 0, lists: 0, save: 0 };
    return index ? { index, added, seconds: { ...seconds, save: seconds.save + clock(t) } } : undefined;
  } catch {
    return undefined;
  } finally {
    void worker.terminate();
  }
}
