import { Hono } from 'hono';
import { z } from 'zod';
import { evaluateAll, type EvalReport } from '../../eval/evaluate.js';
import { listVersions } from '../../store/vectors.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';

const EvalQuery = z.object({ version: z.string().min(1).max(128).optional() });

export const evalDocs: RouteDoc[] = [
  { method: 'get', path: '/api/eval', summary: 'The `loupe eval --json` report (cached until versions change)', query: EvalQuery, response: '{k, protocol, versions:[...]}' },
];

export function evalRoutes(s: AppServices): Hono {
  const app = new Hono();
  const cache = new Map<string, Promise<EvalReport>>();
  app.get('/eval', async (c) => {
    const q = parseQuery(c, EvalQuery);
    // Versions are immutable once ready: the set of ready versions keys the cached report.
    const state = (await listVersions(s.db)).map((v) => `${v.name}:${v.status}`).join(',');
    const key = `${q.version ?? '*'}|${state}`;
    let report = cache.get(key);
    if (!report) {
      cache.clear();
      report = evaluateAll(s.db, s.paths, q.version);
      report.catch(() => cache.delete(key));
      cache.set(key, report);
    }
    return c.json(await report);
  });
  return app;
}
