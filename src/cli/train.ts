import { z } from 'zod';
import { SPLIT_MODES, type SplitMode } from '../embedding/split.js';
import { parseSignals, trainVersion } from '../app/train.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { enqueueTrain } from '../jobs/enqueue.js';
import { printEnqueued } from './enqueue.js';

/** The held-out protocol flags, checked at the edge. */
function protocolOptions(values: Record<string, unknown>): { heldOut?: number; split?: SplitMode; ignoreLabels?: string[] } {
  const parsed = z
    .object({
      'held-out': z.coerce.number().gt(0).lt(1).optional(),
      split: z.enum(SPLIT_MODES).optional(),
      'ignore-labels': z.string().optional(),
    })
    .safeParse(values);
  if (!parsed.success) throw new UsageError(`--held-out must be in (0, 1) and --split one of ${SPLIT_MODES.join(', ')}`);
  const { 'held-out': heldOut, split, 'ignore-labels': ignore } = parsed.data;
  const ignoreLabels = (ignore ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  return { ...(heldOut !== undefined ? { heldOut } : {}), ...(split ? { split } : {}), ...(ignoreLabels.length ? { ignoreLabels } : {}) };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train your own embedding version on your data (labels, groups, events, text)',
  usage:
    "loupe train --name NAME [--signals labels,groups,events,text] [--seed N] [--dims 256] [--base generic] [--held-out 0.2] [--split mixed|group|item] [--ignore-labels 'Not sure,Other'] [--enqueue]",
  options: {
    name: { type: 'string', value: 'NAME', description: 'the new version (never overwrites an existing one)' },
    signals: { type: 'string', value: 'LIST', description: 'positives from: labels, groups, events (co-interactions), text (default: all present)' },
    seed: { type: 'string', value: 'N', description: 'seed of the split, sampling and init (default 42): same seed, same model' },
    dims: { type: 'string', value: 'N', description: 'embedding size (default 256)' },
    base: { type: 'string', value: 'NAME', description: "version whose vectors are the input features (default 'generic')" },
    'held-out': { type: 'string', value: 'SHARE', description: 'share of items held out for `loupe eval`, in (0, 1) (default 0.2)' },
    split: { type: 'string', value: 'MODE', description: 'held-out items: mixed (half whole groups, half single items; default with groups), group or item' },
    'ignore-labels': { type: 'string', value: 'LIST', description: "labels treated as absent in training and evaluation, e.g. catch-alls 'Not sure,Skip,Other'" },
    enqueue: { type: 'boolean', description: 'queue the training as a task for a `loupe worker` instead of training here' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const name = values.name as string | undefined;
    if (!name) throw new UsageError('--name NAME is required');
    const signals = parseSignals(values.signals as string | undefined);
    const seed = intOption(values, 'seed', 42, 0, 2 ** 31 - 1);
    const dims = intOption(values, 'dims', 256, 8, 2048);
    const protocol = protocolOptions(values);
    if (values.enqueue) {
      if (Object.keys(protocol).length) throw new UsageError('--held-out, --split and --ignore-labels train here only, not with --enqueue');
      const params = { name, signals: signals.join(','), seed, dims, ...(values.base ? { base: values.base as string } : {}) };
      return withStore(ctx, async ({ db }) => {
        printEnqueued(ctx, 'train', await enqueueTrain(db, params));
        return 0;
      });
    }
    return withStore(ctx, async ({ db, paths, indexes }) => {
      let lastEpoch = 0;
      const result = await trainVersion(db, paths, indexes, {
        name,
        signals,
        seed,
        dims,
        ...protocol,
        ...(values.base ? { base: values.base as string } : {}),
        log: ctx.log,
        onProgress: (p) => {
          if (ctx.json) return;
          if (p.phase === 'embedding' && p.epoch !== lastEpoch) {
            if (lastEpoch) process.stderr.write('\n');
            lastEpoch = p.epoch;
          }
          const pct = Math.round((100 * p.step) / Math.max(1, p.stepsPerEpoch));
          const val = Number.isFinite(p.valMetric) ? ` val mAP@10 ${p.valMetric.toFixed(4)} (best ${p.bestValMetric.toFixed(4)})` : '';
          const line = `${p.phase} epoch ${p.epoch}/${p.maxEpochs} ${String(pct).padStart(3)}%  loss ${p.loss.toFixed(4)}${val}  ${p.stepsPerSecond.toFixed(1)} steps/s`;
          if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
          else if (p.step === p.stepsPerEpoch) process.stderr.write(line + '\n');
        },
      });
      if (process.stderr.isTTY && !ctx.json) process.stderr.write('\n');
      const r = result.report;
      ctx.print(
        result,
        [
          `version '${result.name}' (${result.dims}-d over '${result.base}', signals ${result.signals.join(',')}) ${result.resumed ? 'resumed' : 'trained'}`,
          r ? `  ${r.epochs} epochs in ${r.seconds.toFixed(1)} s, validation mAP@10 ${r.initialValMetric.toFixed(4)} -> ${r.bestValMetric.toFixed(4)} (stopped by ${r.stoppedBy})` : '',
          `  ${result.items.train} items trained on, ${result.items.heldOut} held out for \`loupe eval\`; ${result.items.projected} vectors written`,
          `  compare: loupe similar <id> --version ${result.name}; serve it by default: loupe promote ${result.name}`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
      return 0;
    });
  },
};
