import { Hono } from 'hono';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { similarFromIndex, similarItems, resolveVersion } from '../../services/discovery.js';
import { getItem, getItems, listItems } from '../../store/browse.js';
import type { AppServices } from '../context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';

const PageQuery = z.object({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  label: z.string().min(1).max(200).optional(),
  group: z.string().min(1).max(200).optional(),
});

export const SimilarQuery = z.object({
  k: z.coerce.number().int().min(1).max(200).default(10),
  version: z.string().min(1).max(128).optional(),
  expand: z.enum(['0', '1']).optional(),
});

export const itemDocs: RouteDoc[] = [
  { method: 'get', path: '/api/items', summary: 'Catalogue page (keyset paging by id)', query: PageQuery, response: '{items: ItemView[], next_cursor}' },
  { method: 'get', path: '/api/items/:id', summary: 'One item', response: 'ItemView' },
  { method: 'get', path: '/api/items/:id/similar', summary: 'More like this, from stored vectors (no pixels decoded)', query: SimilarQuery, response: '{version, items:[{id, score, item?}]}' },
];

export function itemRoutes(s: AppServices): Hono {
  const app = new Hono();
  app.get('/items', async (c) => c.json(await listItems(s.db, parseQuery(c, PageQuery))));

  app.get('/items/:id', async (c) => {
    const item = await getItem(s.db, c.req.param('id'));
    if (!item) throw notFound(`no item with id '${c.req.param('id')}'`);
    return c.json(item);
  });

  app.get('/items/:id/similar', async (c) => {
    const q = parseQuery(c, SimilarQuery);
    const id = c.req.param('id');
    // Hot path: a loaded index answers from memory, without touching pixels or the database.
    const version = q.version ?? s.indexes.defaultVersion ?? (await resolveVersion(s.db, undefined));
    const res = similarFromIndex(s.indexes, version, id, q.k) ?? (await similarItems(s.db, s.indexes, id, q.k, version));
    if (q.expand !== '1') return c.json(res);
    const views = await getItems(s.db, res.items.map((n) => n.id));
    return c.json({ ...res, items: res.items.map((n) => ({ ...n, item: views.get(n.id) ?? null })) });
  });
  return app;
}
