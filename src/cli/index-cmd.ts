import { listVersions } from '../store/vectors.js';
import type { Command } from './command.js';
import { withStore } from './open.js';
import { enqueueIndex } from '../jobs/enqueue.js';
import { printEnqueued } from './enqueue.js';

export const indexCommand: Command = {
  name: 'index',
  summary: 'Bring the serving indexes up to date with the database (or rebuild them)',
  usage: 'loupe index [--version NAME] [--rebuild] [--enqueue]',
  options: {
    version: { type: 'string', value: 'NAME', description: 'only this version (default: all)' },
    rebuild: { type: 'boolean', description: 'drop the saved index and rebuild it from the database' },
    enqueue: { type: 'boolean', description: 'queue one task per version for a `loupe worker` (on the machine that serves the shared data dir)' },
  },
  async run(ctx, values) {
    return withStore(ctx, async ({ db, indexes }) => {
      const names = values.version ? [values.version as string] : (await listVersions(db)).map((v) => v.name);
      if (values.enqueue) {
        for (const name of names) printEnqueued(ctx, `index ${name}`, await enqueueIndex(db, name, values.rebuild === true));
        return 0;
      }
      const reports = [];
      for (const name of names) reports.push(values.rebuild ? await indexes.rebuild(name) : await indexes.sync(name));
      ctx.print({ indexes: reports }, reports.map((r) => `${r.version}: ${r.size} vectors (+${r.added} -${r.removed}${r.rebuilt ? ', rebuilt' : ''})`).join('\n') || 'no versions');
      return 0;
    });
  },
};
