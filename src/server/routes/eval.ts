import { Hono } from 'hono';
import { z } from 'zod';
import { evaluateAll, type EvalReport } from '../../eval/evaluate.js';
import { HOLDOUT_PROTOCOLS } from '../../graph/evaluate.js';
import { evaluateFeedsOnStore, type FeedEvalReport } from '../../graph/io/feed-eval.js';
import { eventsState } from '../../store/events.js';
import { listVersions, promotedVersion } from '../../store/vectors.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';

const EvalQuery = z.object({ version: z.string().min(1).max(128).optional() });
const FeedEvalQuery = z.object({ version: z.string().min(1).max(128).optional(), protocol: z.enum(HOLDOUT_PROTOCOLS).default('last-positive') });

export const evalDocs: RouteDoc[] = [
  { method: 'get', path: '/api/eval', summary: 'The `loupe eval --json` report (cached until versions change)', query: EvalQuery, response: '{k, protocol, versions:[...]}' },
  {
    method: 'get',
    path: '/api/eval/feed',
    summary: 'The `loupe events eval --json` report: every feed method beside popularity, item-kNN, EASE and ALS on one hold-out split (cached until events or versions change; reads only)',
    query: FeedEvalQuery,
    response: '{protocol, k, users, methods:{name:{recall,ndcg,users}}, slices:{heavy,light,cold}, blend}',
  },
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
  const feedCache = new Map<string, Promise<FeedEvalReport>>();
  app.get('/eval/feed', async (c) => {
    const q = parseQuery(c, FeedEvalQuery);
    const events = await eventsState(s.db);
    const key = `${q.version ?? (await promotedVersion(s.db))}|${q.protocol}|${events.count}|${events.lastId}`;
    let report = feedCache.get(key);
    if (!report) {
      feedCache.clear();
      report = evaluateFeedsOnStore(s.db, s.indexes, { version: q.version, protocol: q.protocol });
      report.catch(() => feedCache.delete(key));
      feedCache.set(key, report);
    }
    const r = await report;
    return c.json({ ...r, blend: { ...r.blend, trials: r.blend.trials.length } });
  });
  return app;
}
