import fs from 'node:fs';
import { EncoderPool } from '../vision/encoder-pool.js';
import { tagImage, tagItem, type TagResult } from '../app/tag.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';

export const tagCommand: Command = {
  name: 'tag',
  summary: 'Suggest labels from your own taxonomy, with calibrated probabilities',
  usage: 'loupe tag (<item-id> | --image FILE) [--threshold 0.5] [-k 10] [--version NAME]',
  options: {
    image: { type: 'string', value: 'FILE', description: 'tag an outside photo instead of a catalogue item' },
    threshold: { type: 'string', value: 'P', description: 'only labels at or above this probability (default 0.5)' },
    k: { type: 'string', short: 'k', value: 'N', description: 'neighbours that vote (default 10)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
  },
  async run(ctx, values, positionals) {
    const file = values.image as string | undefined;
    const [id, ...extra] = positionals;
    if (extra.length || !id === !file) throw new UsageError('give exactly one <item-id> or --image FILE');
    const threshold = values.threshold === undefined ? 0.5 : Number(values.threshold);
    if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold must be a probability in [0, 1]');
    const k = intOption(values, 'k', 10, 1, MAX_K);
    return withStore(ctx, async ({ db, paths, indexes }) => {
      let res: TagResult;
      if (file) {
        const encoders = new EncoderPool(paths);
        try {
          res = await tagImage({ db, paths, indexes, encoders }, fs.readFileSync(file), { k, threshold, version: values.version as string | undefined });
        } finally {
          await encoders.close();
        }
      } else {
        res = await tagItem({ db, paths, indexes }, id!, { k, threshold, version: values.version as string | undefined });
      }
      const version = res.version;
      const out = { ...(id ? { item: id } : { image: file }), ...res };
      ctx.print(
        out,
        res.tags.length
          ? res.tags.map((t) => `${t.label.padEnd(24)} ${(t.probability * 100).toFixed(0).padStart(3)}%  (${t.support}/${k} neighbours)`).join('\n') +
              (res.calibrated ? '' : `\n(version '${version}' has no calibrator: vote shares, not probabilities)`)
          : `no label reaches ${threshold}`,
      );
      return 0;
    });
  },
};
