import path from 'node:path';
import { exportDump } from '../store/dump.js';
import { UsageError, type Command } from './command.js';
import { withStore } from './open.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a logical dump of the database (gzip JSONL) to move it between PGlite and PostgreSQL',
  usage: 'loupe export <file.jsonl.gz> [--with-images]',
  options: {
    'with-images': { type: 'boolean', description: 'also pack the original images (else copy <data>/images yourself)' },
  },
  async run(ctx, values, positionals) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new UsageError('expected exactly one <file>');
    const target = path.resolve(file);
    return withStore(ctx, async ({ db, paths }) => {
      const result = await exportDump(db, paths, target, { withImages: values['with-images'] === true });
      const rows = Object.entries(result.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      const images = values['with-images'] ? `; ${result.images.written} images packed, ${result.images.missing} missing` : '';
      ctx.print(result, `exported ${db.kind} database to ${target}: ${rows}${images}`);
      return 0;
    });
  },
};
