import { LoupeError } from '../errors.js';
import { getVersion, promoteVersion, promotedVersion } from '../store/vectors.js';
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
      const row = await getVersion(db, name);
      if (!row) throw new LoupeError('not_found', `unknown version '${name}' (see \`loupe versions\`)`);
      if (row.status !== 'ready') throw new LoupeError('conflict', `version '${name}' is ${row.status}, not ready: finish it with \`loupe train --name ${name}\` first`);
      const previous = await promotedVersion(db);
      await promoteVersion(db, name);
      ctx.print({ promoted: name, previous }, `now serving '${name}' by default (was '${previous}'; \`loupe promote ${previous}\` rolls back)`);
      return 0;
    });
  },
};
