import { Hono } from 'hono';
import { uploadLimit } from '../upload-limit.js';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { searchImage, searchText } from '../../app/search.js';
import type { SimilarResult } from '../../app/similar.js';
import { getItems } from '../../store/item-views.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';
import { MAX_K } from '../../limits.js';
import { searchScene, type SceneObject } from '../../app/scene.js';

const ImageSearchQuery = z.object({
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
  version: z.string().min(1).max(128).optional(),
  expand: z.enum(['0', '1']).optional(),
});

const BoxParam = z
  .string()
  .regex(/^\s*-?\d+\s*(,\s*-?\d+\s*){3}$/, 'box must be x,y,w,h in whole pixels of the photo')
  .transform((v) => v.split(',').map(Number));

const SceneSearchQuery = z.object({
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
  version: z.string().min(1).max(128).optional(),
  box: BoxParam.optional(),
  expand: z.enum(['0', '1']).optional(),
});

const TextSearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  k: z.coerce.number().int().min(1).max(MAX_K).default(10),
  version: z.string().min(1).max(128).optional(),
  expand: z.enum(['0', '1']).optional(),
});

export const searchDocs: RouteDoc[] = [
  { method: 'get', path: '/api/search', summary: "Text search through a version's text tower", query: TextSearchQuery, response: '{version, items:[{id, score, item?}]}' },
  {
    method: 'post',
    path: '/api/search/image',
    summary: 'Visual search: the uploaded photo is the only image encoded',
    query: ImageSearchQuery,
    body: { contentType: 'image/*', description: "the photo as the raw body, or multipart/form-data with a file field 'image'" },
    response: '{version, items:[{id, score, item?}]}',
  },
  {
    method: 'post',
    path: '/api/search/scene',
    summary: 'Shop the look: the objects in the uploaded photo (a person as upper body, lower body, feet), each searched on its own; box=x,y,w,h searches one drawn box instead',
    query: SceneSearchQuery,
    body: { contentType: 'image/*', description: "the photo as the raw body, or multipart/form-data with a file field 'image' (and optionally a field 'box': x,y,w,h)" },
    response: '{version, width, height, objects:[{box:[x,y,w,h], label, score, items:[{id, score, item?}]}], note?}',
  },
];

/** Adds each neighbour's item view (`expand=1`), so a page renders results in one round trip. */
export async function expand(s: AppServices, res: SimilarResult) {
  const views = await getItems(
    s.db,
    res.items.map((n) => n.id),
  );
  return { ...res, items: res.items.map((n) => ({ ...n, item: views.get(n.id) ?? null })) };
}

/** expand() for a scene: each object's matches get their item views. */
export async function expandScene<T extends { objects: SceneObject[] }>(s: AppServices, res: T) {
  const views = await getItems(
    s.db,
    res.objects.flatMap((o) => o.items.map((n) => n.id)),
  );
  return { ...res, objects: res.objects.map((o) => ({ ...o, items: o.items.map((n) => ({ ...n, item: views.get(n.id) ?? null })) })) };
}

async function uploadedBytes(req: Request): Promise<Uint8Array> {
  return (await uploaded(req)).bytes;
}

/** The photo, and the multipart form's other fields (none for a raw body). */
async function uploaded(req: Request): Promise<{ bytes: Uint8Array; form?: FormData }> {
  const type = req.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw new LoupeError('bad_request', 'malformed multipart/form-data body');
    }
    const file = form.get('image');
    if (!file || typeof file === 'string') throw new LoupeError('bad_request', "multipart upload needs a file field named 'image'");
    return { bytes: new Uint8Array(await file.arrayBuffer()), form };
  }
  if (type.startsWith('image/') || type === 'application/octet-stream') return { bytes: new Uint8Array(await req.arrayBuffer()) };
  throw new LoupeError('bad_request', `send the photo as image/* or multipart/form-data (field 'image'), not '${type || 'no content-type'}'`);
}

export function searchRoutes(s: AppServices): Hono {
  const app = new Hono();
  app.get('/search', async (c) => {
    const q = parseQuery(c, TextSearchQuery);
    const res = await searchText(s, q.q, q.k, q.version);
    return c.json(q.expand === '1' ? await expand(s, res) : res);
  });
  app.post('/search/image', uploadLimit(s.limits.uploadBytes, `upload over the ${Math.round(s.limits.uploadBytes / 1e6)} MB limit`), async (c) => {
    const q = parseQuery(c, ImageSearchQuery);
    const bytes = await uploadedBytes(c.req.raw);
    if (bytes.length === 0) throw new LoupeError('bad_request', 'empty upload');
    const res = await searchImage(s, bytes, q.k, q.version, s.limits.maxPixels);
    return c.json(q.expand === '1' ? await expand(s, res) : res);
  });
  app.post('/search/scene', uploadLimit(s.limits.uploadBytes, `upload over the ${Math.round(s.limits.uploadBytes / 1e6)} MB limit`), async (c) => {
    const q = parseQuery(c, SceneSearchQuery);
    const { bytes, form } = await uploaded(c.req.raw);
    if (bytes.length === 0) throw new LoupeError('bad_request', 'empty upload');
    const formBox = form?.get('box');
    const box = typeof formBox === 'string' && formBox.trim() ? BoxParam.parse(formBox) : q.box;
    const res = await searchScene(s, bytes, { k: q.k, version: q.version, box, maxPixels: s.limits.maxPixels });
    return c.json(q.expand === '1' ? await expandScene(s, res) : res);
  });
  return app;
}
