import { enqueueEncode, type EnqueueEncodeOptions, type EnqueueResult } from '../jobs/enqueue.js';
import type { CommandContext } from './command.js';
import { withStore } from './open.js';

/** Prints what `--enqueue` queued, in the verb's own JSON shape. */
export function printEnqueued(ctx: CommandContext, what: string, r: EnqueueResult): void {
  const text = !r.job
    ? `nothing to ${what}: every item already has a vector`
    : `${r.created ? 'queued' : 'already queued:'} job ${r.job.id} (${what}): ${r.items ? `${r.items} item(s) in ` : ''}${r.tasks} task(s); run \`loupe worker\` on each machine that shares the database and the data dir`;
  ctx.print({ enqueued: r }, text);
}

/** `loupe encode --enqueue`: split the encode into tasks for `loupe worker` processes. */
export async function enqueueCommand(ctx: CommandContext, opts: EnqueueEncodeOptions): Promise<number> {
  return withStore(ctx, async ({ db }) => {
    printEnqueued(ctx, 'encode', await enqueueEncode(db, opts));
    return 0;
  });
}
