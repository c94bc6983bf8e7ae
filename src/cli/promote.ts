import { promote } from '../app/versions.js';
import { UsageError, type Command } from './command.js';
import { withStore } from './open.js';

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'Serve a version by default (promote an earlier one to roll back)',
  usage: 'loupe promote <version>',
  options: {},
  async run(ctx, _values, positionals) {
    const [name, ...extra] = positionals;
    if (!name || extra.length) throw new UsageError('expected exactly one <version>');
    return withStore(ctx, async ({ db }) => {
      const { previous } = await promote(db, name);
      ctx.print({ promoted: name, previous }, `now serving '${name}' by default (was '${previous}'; \`loupe promote ${previous}\` rolls back)`);
      return 0;
    });
  },
};
