import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { LoupeError, type ErrorCode } from '../errors.js';
import { ImageError } from '../vision/decode.js';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
};

export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

/** Maps any thrown error to the JSON error shape `{error:{code,message}}` and a status. */
export function toErrorResponse(c: Context, err: unknown): Response {
  if (err instanceof LoupeError) return c.json(errorBody(err.code, err.message), STATUS[err.code]);
  if (err instanceof ImageError) {
    const code: ErrorCode = err.code === 'too-large' ? 'too_large' : 'unprocessable';
    return c.json(errorBody(code, err.message), STATUS[code]);
  }
  if (err instanceof z.ZodError) {
    const message = err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return c.json(errorBody('bad_request', message), 400);
  }
  console.error(err);
  return c.json(errorBody('internal', 'internal error'), 500);
}

/** Validates query parameters with a zod schema; failures become 400s through toErrorResponse. */
export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  return schema.parse(c.req.query());
}
