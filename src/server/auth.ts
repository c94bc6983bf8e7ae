import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { LoupeError } from '../errors.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Writes need `Authorization: Bearer <LOUPE_API_KEY>`. With no key configured, writes are off:
 * a loopback-only server is read-only until its operator sets one.
 */
export function requireApiKey(apiKey: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!apiKey) throw new LoupeError('unauthorized', 'writes are disabled: start the server with LOUPE_API_KEY set');
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) throw new LoupeError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    if (!sameSecret(m[1]!.trim(), apiKey)) throw new LoupeError('unauthorized', 'wrong API key');
    await next();
  };
}
