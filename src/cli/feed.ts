import { FEED_METHODS, type FeedMethod } from '../graph/feed.js';
import { TasteService } from '../app/feed.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';

export const feedCommand: Command = {
  name: 'feed',
  summary: "A user's personalised feed, with the reason for each pick",
  usage: 'loupe feed <user> [-k 20] [--version NAME] [--method blend|multi|items|single|walk|popular]',
  options: {
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 20)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
    method: { type: 'string', value: 'NAME', description: 'one source alone, for comparison (default blend)' },
  },
  async run(ctx, values, positionals) {
    const [user, ...extra] = positionals;
    if (!user || extra.length) throw new UsageError('expected exactly one <user>');
    const k = intOption(values, 'k', 20, 1, MAX_K);
    const method = (values.method as string | undefined) ?? 'blend';
    if (!(FEED_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method must be one of ${FEED_METHODS.join(', ')}`);
    return withStore(ctx, async ({ db, indexes }) => {
      const feed = await new TasteService({ db, indexes }).feed(user, k, values.version as string | undefined, method as FeedMethod);
      const head = `${feed.mode === 'popular' ? 'popular and diverse (no events for this user yet)' : `feed for ${user}`} (${feed.version}):`;
      ctx.print(feed, [head, ...feed.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}  ${n.why}`)].join('\n'));
      return 0;
    });
  },
};
