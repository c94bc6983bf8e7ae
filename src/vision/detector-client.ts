/**
 * The detector in one worker thread per process, started on first use: a scene search waits for it
 * while the main thread keeps serving. Requests queue in the worker (one photo at a time).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Detection } from './boxes.js';
import type { DetectOptions } from './detector.js';

type Reply = { id: number; ok: true; found: Detection[] } | { id: number; ok: false; error: string };

let worker: Worker | undefined;
let next = 1;
const waiting = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void }>();

function failAll(err: Error): void {
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
  worker = undefined;
}

function start(): Worker {
  const self = fileURLToPath(import.meta.url);
  const file = self.replace(/detector-client\.(ts|js)$/, 'detector-worker.$1');
  // Under tsx (tests, benches) the worker is TypeScript source: register tsx's loader in it first.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  const w = self.endsWith('.ts') ? new Worker(code, { eval: true }) : new Worker(file);
  w.on('message', (m: Reply) => {
    const p = waiting.get(m.id);
    if (!p) return;
    waiting.delete(m.id);
    if (m.ok) p.resolve(m.found);
    else p.reject(new Error(m.error));
  });
  w.on('error', failAll);
  w.on('exit', () => failAll(new Error('detector worker exited')));
  w.unref();
  return w;
}

function ask(message: object): Promise<Detection[]> {
  worker ??= start();
  const id = next++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker!.postMessage({ id, ...message });
  });
}

/** detectObjects (detector.ts), run in the detector's worker thread. */
export function detectInWorker(bytes: Uint8Array, width: number, height: number, opts: DetectOptions = {}): Promise<Detection[]> {
  return ask({ bytes, width, height, opts });
}

/** Starts the worker and loads its models (loadDetector) without a photo. */
export async function loadDetectorInWorker(): Promise<void> {
  await ask({ load: true });
}
