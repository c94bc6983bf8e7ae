import { enqueueEncode, enqueueObjects, type EnqueueEncodeOptions, type EnqueueResult } from '../jobs/enqueue.js';
import type { CommandContext } from './command.js';
import { withStore } from './open.js';

/** Prints what `--enqueue` queued, in the verb's own JSON shape. */
export function printEnqueued(ctx: CommandContext, what: string, r: EnqueueResult): void {
  ctx.print({ enqueued: r }, enqueuedLine(what, r));
}

function enqueuedLine(what: string, r: EnqueueResult, nothing = 'every item already has a vector'): string {
  return !r.job
    ? `nothing to ${what}: ${nothing}`
    : `${r.created ? 'queued' : 'already queued:'} job ${r.job.id} (${what}): ${r.items ? `${r.items} item(s) in ` : ''}${r.tasks} task(s); run \`loupe worker\` on each machine that shares the database and the data dir`;
}

/** `loupe encode --enqueue [--objects]`: split the encode (and the object scan) into tasks for `loupe worker` processes. */
export async function enqueueCommand(ctx: CommandContext, opts: EnqueueEncodeOptions & { objects?: boolean }): Promise<number> {
  return withStore(ctx, async ({ db }) => {
    const encode = await enqueueEncode(db, opts);
    if (!opts.objects) {
      printEnqueued(ctx, 'encode', encode);
      return 0;
    }
    const objects = await enqueueObjects(db, opts);
    ctx.print({ enqueued: encode, objects: { enqueued: objects } }, [enqueuedLine('encode', encode), enqueuedLine('scan objects', objects, 'every photo already has its objects stored')].join('\n'));
    return 0;
  });
}
