import { Hono } from 'hono';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { tagItem } from '../../app/tag.js';
import { similar } from '../../app/similar.js';
import { getItem, listItems } from '../../store/item-views.js';
import { expand, expandScene } from './search.js';
import { itemScene } from '../../app/scene.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';
import { MAX_K } from '../../limits.js';

const PageQuery = z.object({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  label: z.string().min(1).max(200).optional(),
  group: z.string().min(1).max(200).optional(),
});

export const SimilarQuery = z.object({
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
  version: z.string().min(1).max(128).optional(),
  expand: z.enum(['0', '1']).optional(),
});

const SceneQuery = SimilarQuery.extend({ unscanned: z.enum(['error', 'empty']).optional() });

const TagQuery = z.object({
  version: z.string().min(1).max(128).optional(),
  threshold: z.coerce.number().min(0).max(1).default(0.5),
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
});

export const itemDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/items/:id/tags',
    summary: 'Suggested labels with calibrated probabilities',
    query: TagQuery,
    response: '{item, version, calibrated, threshold, tags:[{label, probability, support}]}',
  },
  { method: 'get', path: '/api/items', summary: 'Catalogue page (keyset paging by id)', query: PageQuery, response: '{items: ItemView[], next_cursor}' },
  { method: 'get', path: '/api/items/:id', summary: 'One item', response: 'ItemView' },
  {
    method: 'get',
    path: '/api/items/:id/scene',
    summary:
      'Shop the look on a catalogue photo: the objects stored by `loupe encode --objects`, each with its matches other than the item (no detection at request time; 409 when the photo has not been scanned, or with unscanned=empty a 200 with no objects and scanned: false)',
    query: SceneQuery,
    response: '{version, item, width, height, scanned, objects:[{box:[x,y,w,h], label, score, items:[{id, score, item?}]}], note?}',
  },
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
    const res = await similar(s, id, q.k, q.version);
    return c.json(q.expand === '1' ? await expand(s, res) : res);
  });
  app.get('/items/:id/scene', async (c) => {
    const q = parseQuery(c, SceneQuery);
    const res = await itemScene(s, c.req.param('id'), { k: q.k, version: q.version, unscanned: q.unscanned });
    return c.json(q.expand === '1' ? await expandScene(s, res) : res);
  });
  app.get('/items/:id/tags', async (c) => {
    const q = parseQuery(c, TagQuery);
    return c.json(await tagItem(s, c.req.param('id'), { k: q.k, threshold: q.threshold, version: q.version }));
  });
  return app;
}
