import { nearestToVector, resolveVersion } from '../services/discovery.js';
import { EncoderPool, imageQueryVector, textQueryVector, textVersion } from '../services/encoders.js';
import { intOption, readArgFile, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';

export const searchCommand: Command = {
  name: 'search',
  summary: 'Search the catalogue with an outside photo or with words',
  usage: 'loupe search (--image FILE | --text "red dress") [-k 10] [--version NAME]',
  options: {
    image: { type: 'string', value: 'FILE', description: 'query photo (encoded now; the catalogue is not)' },
    text: { type: 'string', value: 'WORDS', description: "text query, through a trained version's text tower (or a CLIP backbone)" },
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 10)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const file = values.image as string | undefined;
    const text = values.text as string | undefined;
    if (!file === !text) throw new UsageError('give exactly one of --image FILE or --text WORDS');
    const k = intOption(values, 'k', 10, 1, MAX_K);
    if (text !== undefined) {
      if (!text.trim()) throw new UsageError('--text is empty');
      return withStore(ctx, async ({ db, paths, indexes }) => {
        const pool = new EncoderPool(paths);
        try {
          const version = await textVersion(db, paths, pool, values.version as string | undefined);
          const res = await nearestToVector(indexes, version, await textQueryVector(db, paths, pool, version, text), k);
          ctx.print(res, [`"${text}" (${res.version}):`, ...res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`)].join('\n'));
          return 0;
        } finally {
          await pool.close();
        }
      });
    }
    const bytes = readArgFile(file!);
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const version = await resolveVersion(db, values.version as string | undefined);
      const pool = new EncoderPool(paths);
      try {
        const vec = await imageQueryVector(db, paths, pool, version, bytes);
        const res = await nearestToVector(indexes, version, vec, k);
        ctx.print(res, [`nearest to ${file} (${res.version}):`, ...res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`)].join('\n'));
        return 0;
      } finally {
        await pool.close();
      }
    });
  },
};
