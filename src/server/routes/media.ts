import fs from 'node:fs';
import { Hono } from 'hono';
import { imageFile, thumbFile } from '../../config.js';
import { notFound } from '../../errors.js';
import { imageExt } from '../../store/item-views.js';
import type { AppServices } from '../../app/context.js';

const MIME: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', tiff: 'image/tiff', avif: 'image/avif', heic: 'image/heic' };
const HASH = /^[0-9a-f]{64}$/;

function fileResponse(file: string, type: string, hash: string, ifNoneMatch: string | undefined): Response {
  const etag = `"${hash}"`;
  // nosniff: an original may be a polyglot (a valid JPEG that is also HTML); browsers must not guess.
  const headers = { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable', etag, 'x-content-type-options': 'nosniff' };
  if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    throw notFound(`image ${hash} is not in the data dir`);
  }
  return new Response(new Uint8Array(body), { headers });
}

/** Content-addressed originals and thumbnails: immutable, so cached for a year. */
export function mediaRoutes(s: AppServices): Hono {
  const app = new Hono();
  app.get('/images/:hash', async (c) => {
    const hash = c.req.param('hash');
    if (!HASH.test(hash)) throw notFound('no such image');
    const ext = await imageExt(s.db, hash);
    if (!ext) throw notFound('no such image');
    return fileResponse(imageFile(s.paths, hash, ext), MIME[ext] ?? 'application/octet-stream', hash, c.req.header('if-none-match'));
  });
  app.get('/thumbs/:hash', (c) => {
    const hash = c.req.param('hash');
    if (!HASH.test(hash)) throw notFound('no such image');
    return fileResponse(thumbFile(s.paths, hash), 'image/webp', hash, c.req.header('if-none-match'));
  });
  return app;
}
