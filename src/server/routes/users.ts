import { Hono } from 'hono';
import { uploadLimit } from '../upload-limit.js';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { DEFAULT_ACTION_WEIGHTS, EventInputSchema, toTasteEvent, type TasteEvent } from '../../graph/actions.js';
import { FEED_METHODS } from '../../graph/feed.js';
import { tasteService } from '../../app/feed.js';
import { getItems } from '../../store/item-views.js';
import { recordEvents } from '../../app/events.js';
import { requireApiKey } from '../auth.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';
import { MAX_K } from '../../limits.js';

const UsersQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const FeedQuery = z.object({
  k: z.coerce.number().int().min(1).max(MAX_K).default(20),
  version: z.string().min(1).max(128).optional(),
  method: z.enum(FEED_METHODS).optional(),
  expand: z.enum(['0', '1']).optional(),
});

const MAX_EVENTS = 1000;
const EventsBody = z.union([EventInputSchema, z.object({ events: z.array(EventInputSchema).min(1).max(MAX_EVENTS) })]);

export const userDocs: RouteDoc[] = [
  { method: 'get', path: '/api/users', summary: 'Users with events, most active first (the feed picker)', query: UsersQuery, response: '{users:[{id, events}]}' },
  {
    method: 'get',
    path: '/api/users/:id/feed',
    summary: "A user's personalised feed with the reason for each pick (popular and diverse for an unknown user)",
    query: FeedQuery,
    response: '{user, version, mode, items:[{id, score, why, item?}]}',
  },
  {
    method: 'post',
    path: '/api/events',
    summary: "Record events (one, or {events:[...]}); updates the user's taste at once",
    body: { contentType: 'application/json', description: 'user, item, action (view|click|save|purchase, or any action with a weight), ts (ISO-8601 or epoch ms; default now)', schema: EventsBody },
    auth: true,
    response: '{recorded, duplicates}',
  },
];

/** The body as events: 400 for malformed JSON, wrong shapes or types; every event or none. */
async function readEvents(req: Request): Promise<TasteEvent[]> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new LoupeError('bad_request', `send events as application/json, not '${type || 'no content-type'}'`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await req.arrayBuffer());
  } catch {
    throw new LoupeError('bad_request', 'body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new LoupeError('bad_request', `malformed JSON: ${(err as Error).message}`);
  }
  const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
  if (isBatch) {
    const list = (body as { events: unknown }).events;
    if (!Array.isArray(list)) throw new LoupeError('bad_request', 'events must be an array');
    if (!list.length || list.length > MAX_EVENTS) throw new LoupeError('bad_request', `send 1 to ${MAX_EVENTS} events at a time`);
  } else if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LoupeError('bad_request', 'expected one event object or {"events":[...]}');
  }
  const raws: unknown[] = isBatch ? (body as { events: unknown[] }).events : [body];
  const now = Date.now();
  const events: TasteEvent[] = [];
  const problems: string[] = [];
  raws.forEach((raw, i) => {
    const ev = toTasteEvent(raw, DEFAULT_ACTION_WEIGHTS, now);
    if (typeof ev === 'string') problems.push(isBatch ? `events[${i}]: ${ev}` : ev);
    else events.push(ev);
  });
  if (problems.length) throw new LoupeError('bad_request', problems.join('; '));
  return events;
}

export function userRoutes(s: AppServices): Hono {
  const app = new Hono();
  const taste = () => tasteService(s);

  app.get('/users', async (c) => c.json({ users: await taste().users(parseQuery(c, UsersQuery).limit) }));

  app.get('/users/:id/feed', async (c) => {
    const q = parseQuery(c, FeedQuery);
    const feed = await taste().feed(c.req.param('id'), q.k, q.version, q.method);
    if (q.expand !== '1') return c.json(feed);
    const views = await getItems(
      s.db,
      feed.items.map((i) => i.id),
    );
    return c.json({ ...feed, items: feed.items.map((i) => ({ ...i, item: views.get(i.id) ?? null })) });
  });

  app.post('/events', requireApiKey(s.apiKey), uploadLimit(1_000_000, 'events body over 1 MB'), async (c) => {
    return c.json(await recordEvents(s, await readEvents(c.req.raw)));
  });
  return app;
}
