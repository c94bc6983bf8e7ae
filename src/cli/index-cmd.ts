import { listVersions } from '../store/vectors.js';
import type { Command } from './command.js';
import { withStore } from './open.js';

export const indexCommand: Command = {
  name: 'index',
  summary: 'Bring the serving indexes up to date with the database (or rebuild them)',
  usage: 'loupe index [--version NAME] [--rebuild]',
  options: {
    version: { type: 'string', value: 'NAME', description: 'only this version (default: all)' },
    rebuild: { type: 'boolean', description: 'drop the saved index and rebuild it from the database' },
  },
  async run(ctx, values) {
    return withStore(ctx, async ({ db, indexes }) => {
      const names = values.version ? [values.version as string] : (await listVersions(db)).map((v) => v.name);
      const reports = [];
      for (const name of names) reports.push(values.rebuild ? await indexes.rebuild(name) : await indexes.sync(name));
      ctx.print({ indexes: reports }, reports.map((r) => `${r.version}: ${r.size} vectors (+${r.added} -${r.removed}${r.rebuilt ? ', rebuilt' : ''})`).join('\n') || 'no versions');
      return 0;
    });
  },
};
