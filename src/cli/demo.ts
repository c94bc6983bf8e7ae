import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeFirstStart } from '../app/first-start.js';
import { runMainJob } from '../app/main-job.js';
import { prepareFeeds, startServer } from '../server/runtime.js';
import { progressBar } from './progress-bar.js';
import { intOption, type Command } from './command.js';
import { serveUntilSignal } from './serve.js';

/** The bundled CC0 sample catalogue (examples/clothing-sample). */
export function sampleCatalogue(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/clothing-sample/items.csv');
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'The main job on a catalogue (default: the bundled sample): serve, ingest, encode, index, train and measure an own version, import its events.csv',
  usage: 'loupe demo [--catalogue FILE] [--map SPEC] [--port 8080] [--host 127.0.0.1] [--no-serve]',
  options: {
    catalogue: { type: 'string', value: 'FILE', description: 'items.csv / items.jsonl (default: the bundled sample)' },
    map: { type: 'string', value: 'SPEC', description: 'column map for foreign layouts (see `loupe ingest --help`)' },
    port: { type: 'string', value: 'N', description: 'port (default 8080, env PORT)' },
    host: { type: 'string', value: 'ADDR', description: 'address (default 127.0.0.1)' },
    'no-serve': { type: 'boolean', description: 'run the job and exit instead of serving' },
  },
  async run(ctx, values) {
    const catalogue = path.resolve((values.catalogue as string | undefined) ?? sampleCatalogue());
    const port = intOption(values, 'port', Number(process.env.PORT ?? 8080), 0, 65535);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    // The feeds' models are trained after the job (on the events it may import), not alongside it.
    const run = await startServer({ dataDir: ctx.dataDir, dbUrl: ctx.dbUrl, port, host, apiKey: process.env.LOUPE_API_KEY || undefined, log: ctx.log, prepareFeeds: false });
    ctx.log(`Loupe is serving ${run.server.url} while the main job runs on ${catalogue}`);
    const bars = new Map<string, ReturnType<typeof progressBar>>();
    const result = await runMainJob(run.services, catalogue, {
      ...(values.map ? { map: values.map as string } : {}),
      onProgress: (p) => {
        if (ctx.json) return;
        let bar = bars.get(p.job);
        if (!bar) bars.set(p.job, (bar = progressBar(p.job.padEnd(6))));
        bar(p);
      },
    });
    for (const bar of bars.values()) bar.end();
    // Then what makes every page worth opening: an own version measured against generic, and behaviour.
    const eventsFile = path.join(path.dirname(catalogue), 'events.csv');
    const first = await completeFirstStart(run.services, { eventsFile: fs.existsSync(eventsFile) ? eventsFile : undefined, log: ctx.log });
    const summary = {
      catalogue,
      ingested: result.ingest.ingested,
      updated: result.ingest.updated,
      unchanged: result.ingest.unchanged,
      ingest_errors: result.ingest.errors,
      encoded: result.encode.encoded,
      encode_errors: result.encode.errors,
      index: result.index,
      version: first.version,
      events: first.events,
      url: run.server.url,
    };
    ctx.print(
      summary,
      `ingested ${summary.ingested}, updated ${summary.updated}, unchanged ${summary.unchanged}, ${summary.ingest_errors.length} error(s); ` +
        `encoded ${summary.encoded}; index '${result.index.version}' holds ${result.index.size} vectors; ${first.version.note}` +
        (first.events
          ? first.events.unchanged
            ? `; ${path.basename(first.events.file)} unchanged since its import`
            : `; ${first.events.imported} new events from ${path.basename(first.events.file)}`
          : ''),
    );
    const cpu = process.cpuUsage();
    ctx.log(`ready ${process.uptime().toFixed(1)} s after launch (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU)`);
    if (values['no-serve']) {
      await run.stop();
      return 0;
    }
    await prepareFeeds(run.services, ctx.log);
    return serveUntilSignal(ctx, { ...run, server: run.server });
  },
};
