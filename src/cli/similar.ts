import { similar } from '../app/similar.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';

export const similarCommand: Command = {
  name: 'similar',
  summary: 'More like this: nearest items to a catalogue item, from precomputed vectors',
  usage: 'loupe similar <item-id> [-k 10] [--version NAME]',
  options: {
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 10)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
  },
  async run(ctx, values, positionals) {
    const [id, ...extra] = positionals;
    if (!id || extra.length) throw new UsageError('expected exactly one <item-id>');
    const k = intOption(values, 'k', 10, 1, MAX_K);
    return withStore(ctx, async ({ db, indexes }) => {
      const res = await similar({ db, indexes }, id, k, values.version as string | undefined);
      ctx.print(res, [`more like ${id} (${res.version}):`, ...res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`)].join('\n'));
      return 0;
    });
  },
};
