/** Worker-thread entry: trains the collaborative models on packed events and posts the model back (see collab-thread.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { trainCollab, type CollabOptions } from '../collab/model.js';
import { unpackEvents, type PackedEvents } from './collab-thread.js';

const { events, opts } = workerData as { events: PackedEvents; opts: CollabOptions };
try {
  const model = trainCollab(unpackEvents(events), opts);
  parentPort!.postMessage({ ok: true, model: model ?? null });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
