import { Hono } from 'hono';
import { z } from 'zod';
import type { AppServices } from '../../app/context.js';
import { MAX_K } from '../../limits.js';
import { completeItem } from '../../app/complete.js';
import { getItems } from '../../store/item-views.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';

const CompleteQuery = z.object({
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
  version: z.string().min(1).max(128).optional(),
  expand: z.enum(['0', '1']).optional(),
});

export const completeDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/items/:id/complete',
    summary: 'Goes with: items that complete a group (outfit, room, board) with this one, each with a reason; the query is never returned',
    query: CompleteQuery,
    response: '{version, item, items:[{id, score, labels, reason:{text, kind, group?, via?, queryLike?, resultLike?, labelGroups?}, item?}]}',
  },
];

export function completeRoutes(s: AppServices): Hono {
  const app = new Hono();
  app.get('/items/:id/complete', async (c) => {
    const q = parseQuery(c, CompleteQuery);
    const res = await completeItem(s.db, s.paths, c.req.param('id'), q.k, q.version);
    if (q.expand !== '1') return c.json(res);
    const views = await getItems(
      s.db,
      res.items.map((n) => n.id),
    );
    return c.json({ ...res, items: res.items.map((n) => ({ ...n, item: views.get(n.id) ?? null })) });
  });
  return app;
}
