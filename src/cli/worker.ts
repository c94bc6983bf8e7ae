import os from 'node:os';
import { runWorker } from '../jobs/worker.js';
import { TASK_KINDS, type TaskKind } from '../store/queue.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run queued jobs (loupe encode --enqueue [--objects], train --enqueue, index --enqueue); start one per machine on a shared database',
  usage: 'loupe worker [--db postgres://...] [--concurrency N] [--once | --until-idle] [--lease S] [--kinds encode,project,train,index,objects] [--threads N] [--lanes N]',
  options: {
    concurrency: { type: 'string', value: 'N', description: 'tasks worked on at once in this process (default 2; 1 on the embedded database)' },
    once: { type: 'boolean', description: 'run at most one task, then exit' },
    'until-idle': { type: 'boolean', description: 'exit when no task is queued or running anywhere (default: keep polling)' },
    lease: { type: 'string', value: 'S', description: "seconds a claimed task stays ours without renewal; a dead worker's task is retried after it (default 60)" },
    poll: { type: 'string', value: 'S', description: 'seconds between looks at an empty queue (default 2)' },
    kinds: { type: 'string', value: 'LIST', description: `task kinds to take (default all: ${TASK_KINDS.join(',')})` },
    runtime: { type: 'string', value: 'NAME', description: 'onnx (default) or tfjs' },
    threads: { type: 'string', value: 'N', description: `inference threads (default ${os.availableParallelism()})` },
    lanes: { type: 'string', value: 'N', description: 'copies of the backbone inferring side by side, threads split between them (default 2 for the built-in backbone on 2+ cores, else 1)' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.once && values['until-idle']) throw new UsageError('--once and --until-idle exclude each other');
    const runtime = values.runtime as string | undefined;
    if (runtime !== undefined && runtime !== 'onnx' && runtime !== 'tfjs') throw new UsageError(`--runtime must be onnx or tfjs, got '${runtime}'`);
    const kinds = ((values.kinds as string | undefined) ?? TASK_KINDS.join(',')).split(',').map((k) => k.trim());
    for (const k of kinds) if (!(TASK_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown task kind '${k}': use ${TASK_KINDS.join(', ')}`);
    const concurrency = intOption(values, 'concurrency', 2, 1, 64);
    const leaseSeconds = intOption(values, 'lease', 60, 1, 86_400);
    const pollSeconds = intOption(values, 'poll', 2, 1, 3600);
    const threads = intOption(values, 'threads', os.availableParallelism(), 1, 256);
    const lanes = values.lanes === undefined ? 'auto' : intOption(values, 'lanes', 1, 1, 64);
    const stop = new AbortController();
    // First Ctrl-C / SIGTERM: finish the tasks in hand, claim no more. Second: leave now (leases expire).
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      ctx.log('worker: stopping after the current task(s); signal again to quit now');
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await withStore(ctx, async ({ db, paths, indexes }) => {
        const report = await runWorker(db, paths, indexes, {
          concurrency,
          leaseSeconds,
          pollSeconds,
          mode: values.once ? 'once' : values['until-idle'] ? 'until-idle' : 'forever',
          kinds: kinds as TaskKind[],
          threads,
          lanes,
          ...(runtime ? { runtime } : {}),
          log: ctx.log,
          signal: stop.signal,
        });
        ctx.print(
          report,
          [
            `worker ${report.worker}: ${report.tasks.done} task(s) done, ${report.tasks.failed} failed, ${report.tasks.lost} lost to other workers; ${report.encoded} vector(s)${report.objects ? ` and ${report.objects} object vector(s)` : ''} written in ${report.seconds.toFixed(1)} s`,
            ...report.errors.map((e) => `  error: ${e.id}: ${e.reason}`),
          ].join('\n'),
        );
        return report.tasks.failed ? 1 : 0;
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
