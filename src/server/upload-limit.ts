import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './http-errors.js';

/** Past this many bytes an oversized upload is cut off (connection reset) instead of read to the end. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * A request body cap answering 413 `too_large`. The rest of the oversized body is read and discarded before the
 * answer: replying first let node-server reset a socket still receiving, and a loaded machine's client then saw
 * "fetch failed" instead of the 413 (CI, PostgreSQL run).
 */
export function uploadLimit(maxBytes: number, message: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: async (c) => {
      await discardBody(c.req.raw.body);
      return c.json(errorBody('too_large', message), 413);
    },
  });
}

async function discardBody(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body || body.locked) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > MAX_DISCARD_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client gave up; nothing left to answer.
  }
}
