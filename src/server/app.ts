import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { listVersions, promotedVersion } from '../store/vectors.js';
import type { AppServices } from '../app/context.js';
import { apiDocsDocs, apiDocsRoutes } from './api-docs.js';
import { errorBody, toErrorResponse } from './http-errors.js';
import { openApiDocument, type RouteDoc } from './openapi.js';
import { assistantDocs, assistantRoutes } from './routes/assistant.js';
import { completeDocs, completeRoutes } from './routes/complete.js';
import { evalDocs, evalRoutes } from './routes/eval.js';
import { reportDocs, reportRoutes } from './routes/report.js';
import { itemDocs, itemRoutes } from './routes/items.js';
import { mediaRoutes } from './routes/media.js';
import { searchDocs, searchRoutes } from './routes/search.js';
import { userDocs, userRoutes } from './routes/users.js';
import { versionDocs, versionRoutes } from './routes/versions.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Serves the built React app (web/dist) with SPA fallback to index.html. */
function webRoutes(webDir: string): Hono {
  const app = new Hono();
  app.get('*', (c) => {
    const rel = decodeURIComponent(new URL(c.req.url).pathname);
    const file = path.join(webDir, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    const inside = file.startsWith(webDir + path.sep);
    const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(webDir, 'index.html');
    if (!fs.existsSync(target)) return c.text('Loupe API is running; the web UI is not built (npm run build).', 404);
    const immutable = target.includes(`${path.sep}assets${path.sep}`);
    return new Response(new Uint8Array(fs.readFileSync(target)), {
      headers: {
        'content-type': MIME[path.extname(target)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  });
  return app;
}

const CORE_DOCS: RouteDoc[] = [
  { method: 'get', path: '/api/health', summary: 'Liveness, database kind, item count, served version', response: '{status, db, items, version}' },
  { method: 'get', path: '/api/stats', summary: 'Label and group counts', response: '{items, labels:[{label,count}], groups}' },
  { method: 'get', path: '/api/versions', summary: 'Embedding versions', response: '{versions:[...]}' },
  { method: 'get', path: '/api/live', summary: 'Server-sent events: job progress and data changes', response: 'text/event-stream' },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', response: 'OpenAPI 3.1' },
];

export function createApp(s: AppServices, opts: { webDir?: string; extraDocs?: RouteDoc[] } = {}): Hono {
  const app = new Hono();
  app.onError((err, c) => toErrorResponse(c, err));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

  const api = new Hono();
  api.get('/health', async (c) => {
    return c.json({ status: 'ok', db: s.db.kind, items: await s.counts.items(), version: s.indexes.defaultVersion ?? (await promotedVersion(s.db)) });
  });
  const docs = [...CORE_DOCS, ...apiDocsDocs, ...itemDocs, ...completeDocs, ...searchDocs, ...evalDocs, ...reportDocs, ...userDocs, ...versionDocs, ...assistantDocs, ...(opts.extraDocs ?? [])];
  api.get('/openapi.json', (c) => c.json(openApiDocument(docs, '0.1.0')));
  api.get('/stats', async (c) => c.json(await s.counts.stats()));
  api.get('/versions', async (c) => {
    const counts = await s.counts.vectors();
    const versions = (await listVersions(s.db)).map(({ name, kind, encoder, dims, status, promoted, created_at, metrics, config }) => ({
      name,
      kind,
      encoder,
      dims,
      base: typeof config.base === 'string' ? config.base : null,
      signals: Array.isArray(config.signals) ? config.signals : null,
      count: counts.get(name) ?? 0,
      status,
      promoted,
      created_at: new Date(created_at).toISOString(),
      metrics,
    }));
    return c.json({ versions });
  });
  api.get('/live', (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = s.live.subscribe((event) => void stream.writeSSE({ event: event.type, data: JSON.stringify(event) }).catch(() => undefined));
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ type: 'hello' }) });
      await new Promise<void>((resolve) => {
        // An unref'd ping keeps proxies from timing the stream out without keeping the process alive.
        const ping = setInterval(() => void stream.writeSSE({ event: 'ping', data: '{}' }).catch(() => undefined), 15_000);
        ping.unref();
        stream.onAbort(() => {
          clearInterval(ping);
          unsubscribe();
          resolve();
        });
      });
    }),
  );
  api.route('/', itemRoutes(s));
  api.route('/', completeRoutes(s));
  api.route('/', searchRoutes(s));
  api.route('/', evalRoutes(s));
  api.route('/', reportRoutes(s));
  api.route('/', userRoutes(s));
  api.route('/', versionRoutes(s));
  api.route('/', assistantRoutes(s));
  api.route('/', apiDocsRoutes());
  api.all('*', (c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.route('/api', api);
  app.route('/', mediaRoutes(s));
  if (opts.webDir) app.route('/', webRoutes(path.resolve(opts.webDir)));
  return app;
}
