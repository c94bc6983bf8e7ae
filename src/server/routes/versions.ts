import { Hono } from 'hono';
import { z } from 'zod';
import { promote, retire } from '../../app/versions.js';
import type { AppServices } from '../../app/context.js';
import { requireApiKey } from '../auth.js';
import type { RouteDoc } from '../openapi.js';

const VersionName = z.string().min(1).max(128);

export const versionDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/versions/:name/promote',
    summary: 'Serve a ready version by default (promoting an earlier one is the rollback); 404 unknown, 409 not ready',
    auth: true,
    response: '{promoted, previous}',
  },
  {
    method: 'post',
    path: '/api/versions/:name/retire',
    summary: 'Retire a version (no longer projected for new items nor promotable); 409 for the version served by default',
    auth: true,
    response: '{retired}',
  },
];

export function versionRoutes(s: AppServices): Hono {
  const app = new Hono();
  app.post('/versions/:name/promote', requireApiKey(s.apiKey), async (c) => {
    const result = await promote(s.db, VersionName.parse(c.req.param('name')));
    // The change notification also does this; setting it here makes the reply's promise true at once.
    s.indexes.defaultVersion = result.promoted;
    return c.json(result);
  });
  app.post('/versions/:name/retire', requireApiKey(s.apiKey), async (c) => c.json(await retire(s.db, VersionName.parse(c.req.param('name')))));
  return app;
}
