import path from 'node:path';
import { importDump } from '../store/dump.js';
import { listVersions } from '../store/vectors.js';
import { UsageError, type Command } from './command.js';
import { withStore } from './open.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'Load a `loupe export` dump into an empty database, then build the serving indexes',
  usage: 'loupe import <file.jsonl.gz>',
  options: {},
  async run(ctx, _values, positionals) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new UsageError('expected exactly one <file>');
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const result = await importDump(db, paths, path.resolve(file));
      const built = [];
      for (const v of await listVersions(db)) built.push(await indexes.rebuild(v.name));
      const rows = Object.entries(result.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      ctx.print(
        { ...result, indexes: built.map((r) => ({ version: r.version, size: r.size })) },
        `imported into ${db.kind}: ${rows}; images ${result.images.written} written; indexes: ${built.map((r) => `${r.version} ${r.size}`).join(', ') || 'none'}`,
      );
      return 0;
    });
  },
};
