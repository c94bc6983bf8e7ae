import { vectorCounts } from '../store/vector-counts.js';
import { listVersions } from '../store/vectors.js';
import type { Command } from './command.js';
import { withStore } from './open.js';

export const versionsCommand: Command = {
  name: 'versions',
  summary: 'List embedding versions with their dimensions and vector counts',
  usage: 'loupe versions',
  options: {},
  async run(ctx) {
    return withStore(ctx, async ({ db }) => {
      const counts = await vectorCounts(db);
      const versions = (await listVersions(db)).map((v) => ({
        name: v.name,
        kind: v.kind,
        encoder: v.encoder,
        dims: v.dims,
        count: counts.get(v.name) ?? 0,
        status: v.status,
        promoted: v.promoted,
        created_at: new Date(v.created_at).toISOString(),
        metrics: v.metrics,
      }));
      ctx.print(
        { versions },
        versions.length
          ? versions.map((v) => `${v.promoted ? '*' : ' '} ${v.name.padEnd(16)} ${v.kind.padEnd(8)} ${String(v.dims).padStart(5)}-d ${String(v.count).padStart(8)} vectors  ${v.encoder}`).join('\n')
          : 'no versions yet: run `loupe encode`',
      );
      return 0;
    });
  },
};
