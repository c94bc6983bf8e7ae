import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` (a sibling of `caller`, an import.meta.url) in a thread. Under tsx
 * (tests, benches) the sibling is TypeScript source: tsx's loader is registered in the thread first.
 */
export function startWorker(caller: string, name: string, workerData: unknown): Worker {
  const self = fileURLToPath(caller);
  const ext = self.endsWith('.ts') ? 'ts' : 'js';
  const file = self.replace(/[^/\\]+\.(ts|js)$/, `${name}.${ext}`);
  if (ext === 'js') return new Worker(file, { workerData });
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  return new Worker(code, { eval: true, workerData });
}
