// Runs the detector (detector.ts) in a worker thread: tfjs-wasm inference blocks the thread it runs
// on, and that must not be the thread that answers requests. See detector-client.ts.
import { parentPort } from 'node:worker_threads';
import { detectObjects, loadDetector, type DetectOptions } from './detector.js';

type Request = { id: number; load: true } | { id: number; load?: false; bytes: Uint8Array; width: number; height: number; opts: DetectOptions };

const port = parentPort!;
port.on('message', async (m: Request) => {
  try {
    if (m.load) {
      await loadDetector();
      port.postMessage({ id: m.id, ok: true, found: [] });
    } else port.postMessage({ id: m.id, ok: true, found: await detectObjects(m.bytes, m.width, m.height, m.opts) });
  } catch (err) {
    port.postMessage({ id: m.id, ok: false, error: (err as Error).message });
  }
});
