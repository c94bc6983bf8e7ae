import { startServer } from '../server/runtime.js';
import { intOption, type Command, type CommandContext } from './command.js';

export async function serveUntilSignal(ctx: CommandContext, run: Awaited<ReturnType<typeof startServer>>): Promise<number> {
  ctx.log(`Loupe is serving ${run.server.url}  (API: ${run.server.url}/api/health)`);
  if (ctx.json) ctx.print({ url: run.server.url });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.log('shutting down');
  await run.stop();
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the HTTP API and web UI from precomputed vectors',
  usage: 'loupe serve [--port 8080] [--host 127.0.0.1]',
  options: {
    port: { type: 'string', value: 'N', description: 'port (default 8080, env PORT; 0 picks a free one)' },
    host: { type: 'string', value: 'ADDR', description: 'address (default 127.0.0.1; others need LOUPE_API_KEY)' },
  },
  async run(ctx, values) {
    const port = intOption(values, 'port', Number(process.env.PORT ?? 8080), 0, 65535);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const run = await startServer({ dataDir: ctx.dataDir, dbUrl: ctx.dbUrl, port, host, apiKey: process.env.LOUPE_API_KEY || undefined, log: ctx.log });
    return serveUntilSignal(ctx, run);
  },
};
