import { CatalogueError, checkCatalogue } from '../catalog/parse.js';
import { parseWeights, WeightsError, DEFAULT_ACTION_WEIGHTS, type ActionWeights } from '../graph/actions.js';
import { evaluateFeedsOnStore, type FeedEvalReport } from '../graph/io/feed-eval.js';
import { HOLDOUT_PROTOCOLS, type HoldoutProtocol } from '../graph/evaluate.js';
import type { EventImportResult } from '../graph/io/import-events.js';
import { importEventFile } from '../app/events.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';

function importSummary(r: EventImportResult): string {
  const n = r.errors.length;
  const lines = [`${r.imported} imported, ${r.duplicates} already present, ${n} error${n === 1 ? '' : 's'}`];
  for (const e of r.errors) lines.push(`  line ${e.line}${e.id !== null ? ` (item ${e.id})` : ''}: ${e.reason}`);
  return lines.join('\n');
}

function evalSummary(r: FeedEvalReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');
  const sl = r.slices;
  const rows = (Object.keys(r.methods) as (keyof typeof r.methods)[]).map(
    (m) =>
      `  ${m.padEnd(8)} Recall@${r.k} ${f(r.methods[m].recall)}  NDCG@${r.k} ${f(r.methods[m].ndcg)}  heavy ${f(sl.heavy[m].recall)}  light ${f(sl.light[m].recall)}  cold items ${f(sl.cold[m].recall)}`,
  );
  rows.push(`  cold items at random: Recall@${r.k} ${f(sl.cold.random.recall)} (${sl.cold.random.users} users with a hidden item no one engaged with in training)`);
  return [
    `feeds on version ${r.version}: ${r.users} users, ${r.events} events, ${r.items} items (${r.seconds.toFixed(1)} s)`,
    `  ${r.note}`,
    ...rows,
    `  ${r.blend.note}${r.blend.saved ? ' (stored for serving)' : ''}`,
  ].join('\n');
}

function weightsOption(raw: unknown): ActionWeights {
  try {
    return parseWeights(raw as string[] | undefined);
  } catch (err) {
    if (err instanceof WeightsError) throw new UsageError(err.message);
    throw err;
  }
}

const defaults = Object.entries(DEFAULT_ACTION_WEIGHTS)
  .map(([a, w]) => `${a}=${w}`)
  .join(',');

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Import user events (view, click, save, purchase...) or evaluate feeds on them',
  usage:
    'loupe events import <events.csv|events.jsonl> [--weights purchase=5,save=3] [--json]\n       loupe events eval [--version NAME] [--holdout 5] [--protocol last-items|last-positive] [-k 20] [--json]',
  options: {
    weights: { type: 'string', multiple: true, value: 'SPEC', description: `action weights over the defaults (${defaults}); other actions need one` },
    version: { type: 'string', value: 'NAME', description: 'eval: embedding version (default: the promoted one)' },
    holdout: { type: 'string', value: 'N', description: 'eval: last items hidden per user (default 5, at most half)' },
    protocol: { type: 'string', value: 'NAME', description: `eval: ${HOLDOUT_PROTOCOLS.join(' or ')} (default last-items; last-positive hides the last saves/purchases and everything after)` },
    k: { type: 'string', short: 'k', value: 'N', description: 'eval: feed length scored (default 20)' },
  },
  async run(ctx, values, positionals) {
    const [sub, ...rest] = positionals;
    if (sub === 'import') {
      const [file, ...extra] = rest;
      if (!file || extra.length) throw new UsageError('expected exactly one events file');
      const weights = weightsOption(values.weights);
      try {
        await checkCatalogue(file);
      } catch (err) {
        if (err instanceof CatalogueError) throw new UsageError(err.message.replace('catalogue', 'events file'));
        throw err;
      }
      return withStore(ctx, async ({ db, indexes }) => {
        const { result, refit } = await importEventFile({ db, indexes }, file, weights);
        const refitText = !refit
          ? ''
          : 'error' in refit
            ? `\nfeed blend not fitted: ${refit.error}`
            : `\nfeed blend for version ${refit.version}: ${refit.blend.note}${refit.blend.saved ? ' (stored for serving)' : ''} in ${refit.seconds.toFixed(1)} s`;
        ctx.print(
          {
            ...result,
            ...(refit
              ? { blend: 'error' in refit ? refit : { version: refit.version, weights: refit.blend.weights, fitted: refit.blend.fitted, saved: refit.blend.saved, validation: refit.blend.validation } }
              : {}),
          },
          importSummary(result) + refitText,
        );
        return result.imported + result.duplicates > 0 || result.errors.length === 0 ? 0 : 1;
      });
    }
    if (sub === 'eval') {
      if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
      const holdout = intOption(values, 'holdout', 5, 1, 1000);
      const k = intOption(values, 'k', 20, 1, 1000);
      const protocol = (values.protocol ?? 'last-items') as HoldoutProtocol;
      if (!HOLDOUT_PROTOCOLS.includes(protocol)) throw new UsageError(`--protocol must be one of ${HOLDOUT_PROTOCOLS.join(', ')}`);
      return withStore(ctx, async ({ db, indexes }) => {
        const report = await evaluateFeedsOnStore(db, indexes, { version: values.version as string | undefined, holdout, k, protocol, save: true });
        ctx.print(report, evalSummary(report));
        return 0;
      });
    }
    throw new UsageError(sub ? `unknown subcommand '${sub}' (import or eval)` : 'missing subcommand: import or eval');
  },
};
