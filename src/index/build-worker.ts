/** Worker-thread entry: builds a usearch index from the pages it is sent and saves it (see build-thread.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import type { BuildReply, BuildRequest } from './build-thread.js';
import { UsearchIndex } from './usearch-index.js';

const { dims, dir } = workerData as { dims: number; dir: string };
const index = new UsearchIndex(dims);
const reply = (m: BuildReply) => parentPort!.postMessage(m);
const clock = (t: number) => (performance.now() - t) / 1000;
let add = 0;
parentPort!.on('message', (req: BuildRequest) => {
  try {
    let t = performance.now();
    if (req.kind === 'add') {
      index.upsertMany(req.ids, req.flat);
      index.state.seq = req.seq;
      add += clock(t);
      reply({ ok: true, kind: 'added' });
      return;
    }
    index.state = { ...req.state, seq: index.state.seq ?? 0 };
    while (index.staleRelated) index.refreshRelated();
    const lists = clock(t);
    t = performance.now();
    index.save(dir);
    reply({ ok: true, kind: 'saved', seconds: { read: 0, wait: 0, add, lists, save: clock(t) } });
  } catch (err) {
    reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
