import { trainCollab, DEFAULT_COLLAB, type CollabModel, type CollabOptions } from '../collab/model.js';
import type { Engagement } from '../collab/matrix.js';
import { startWorker } from '../../threads.js';

/** Events packed for a thread: id tables and typed columns (a million events copy in milliseconds). */
export interface PackedEvents {
  users: string[];
  items: string[];
  user: Int32Array;
  item: Int32Array;
  weight: Float64Array;
  ts: Float64Array;
}

export function packEvents(events: readonly Engagement[]): PackedEvents {
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const n = events.length;
  const packed = { user: new Int32Array(n), item: new Int32Array(n), weight: new Float64Array(n), ts: new Float64Array(n) };
  events.forEach((e, j) => {
    let u = users.get(e.user);
    if (u === undefined) users.set(e.user, (u = users.size));
    let i = items.get(e.item);
    if (i === undefined) items.set(e.item, (i = items.size));
    packed.user[j] = u;
    packed.item[j] = i;
    packed.weight[j] = e.weight;
    packed.ts[j] = e.ts;
  });
  return { users: [...users.keys()], items: [...items.keys()], ...packed };
}

export function* unpackEvents(p: PackedEvents): Generator<Engagement> {
  for (let j = 0; j < p.user.length; j++) yield { user: p.users[p.user[j]!]!, item: p.items[p.item[j]!]!, weight: p.weight[j]!, ts: p.ts[j]! };
}

/**
 * Trains the collaborative models in a worker thread, so a server keeps answering while a million
 * events are fitted (tens of seconds on 2 vCPUs). Falls back to this thread if no worker starts.
 */
export async function trainCollabOffThread(events: readonly Engagement[], opts: CollabOptions = DEFAULT_COLLAB): Promise<CollabModel | undefined> {
  const packed = packEvents(events);
  let worker;
  try {
    worker = startWorker(import.meta.url, 'collab-worker', { events: packed, opts });
  } catch {
    return trainCollab(events, opts);
  }
  try {
    return await new Promise<CollabModel | undefined>((resolve, reject) => {
      worker.once('message', (m: { ok: true; model: CollabModel | null } | { ok: false; error: string }) => (m.ok ? resolve(m.model ?? undefined) : reject(new Error(m.error))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`collaborative training thread exited (${code})`)));
    });
  } finally {
    void worker.terminate();
  }
}

/** Below this many events training takes under a second: a thread would cost more to start (tsx) than it saves. */
const THREAD_EVENTS = 20_000;

/** The collaborative models, trained off this thread when the events are many. */
export function trainCollabAnywhere(events: readonly Engagement[], opts: CollabOptions = DEFAULT_COLLAB): Promise<CollabModel | undefined> {
  return events.length >= THREAD_EVENTS ? trainCollabOffThread(events, opts) : Promise.resolve(trainCollab(events, opts));
}
