import { MAX_K } from '../limits.js';
import { LoupeError } from '../errors.js';
import { completeItem, goesWithBase, trainCompleteModel } from '../app/complete.js';
import { hasCompleteModel } from '../complete/model.js';
import { getVersion, promotedVersion } from '../store/vectors.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';

export const completeCommand: Command = {
  name: 'complete',
  summary: 'Goes with: items that complete an outfit, room or board with this one, each with a reason',
  usage: 'loupe complete <item-id> [-k 10] [--version NAME] | loupe complete --train [--version NAME]',
  options: {
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 10)' },
    version: { type: 'string', value: 'NAME', description: 'trained version whose goes-with model to use (default: the promoted one, else the newest that has one)' },
    train: { type: 'boolean', description: 'train the goes-with model of a trained or imported version that has none (`loupe train` trains one already)' },
    seed: { type: 'string', value: 'N', description: 'with --train: seed of the held-out groups and the training (default 42)' },
  },
  async run(ctx, values, positionals) {
    const version = values.version as string | undefined;
    if (values.train) {
      if (positionals.length) throw new UsageError('--train takes no <item-id>');
      const seed = intOption(values, 'seed', 42, 0, 2 ** 31 - 1);
      return withStore(ctx, async ({ db, paths }) => {
        const name = version ?? (await promotedVersion(db));
        const row = await getVersion(db, name);
        if (!row) throw new LoupeError('not_found', `unknown version '${name}' (see \`loupe versions\`)`);
        if (row.kind === 'generic') throw new LoupeError('conflict', `'${name}' is not a trained or imported version: name one with --version, or run \`loupe train\``);
        if (hasCompleteModel(paths, name)) throw new LoupeError('conflict', `version '${name}' already has a goes-with model; versions are never overwritten`);
        const report = await trainCompleteModel(db, paths, name, goesWithBase(row), { seed, log: (m) => ctx.log(m) });
        if (!report) throw new LoupeError('conflict', 'nothing to learn "goes with" from: no two items share a group and there are no events');
        ctx.print(
          { version: name, ...report },
          `goes-with model for '${name}': dev recall@10 ${report.devRecallStart.toFixed(4)} -> ${report.devRecallWithStep.toFixed(4)} in ${report.seconds.toFixed(1)} s`,
        );
        return 0;
      });
    }
    const [id, ...extra] = positionals;
    if (!id || extra.length) throw new UsageError('expected exactly one <item-id>');
    const k = intOption(values, 'k', 10, 1, MAX_K);
    return withStore(ctx, async ({ db, paths }) => {
      const res = await completeItem(db, paths, id, k, version);
      const lines = res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}  [${n.labels.join(', ')}]  ${n.reason.text}`);
      ctx.print(res, [`goes with ${id} (${res.version}):`, ...lines].join('\n'));
      return 0;
    });
  },
};
