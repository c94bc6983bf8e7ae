import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { ERROR_TABLE, LoupeError, type ErrorCode } from '../errors.js';

export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

/** Maps any thrown error to the JSON error shape `{error:{code,message}}` and the status from ERROR_TABLE. */
export function toErrorResponse(c: Context, err: unknown): Response {
  if (err instanceof LoupeError) return c.json(errorBody(err.code, err.message), ERROR_TABLE[err.code].status as ContentfulStatusCode);
  if (err instanceof z.ZodError) {
    const message = err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return c.json(errorBody('bad_request', message), ERROR_TABLE.bad_request.status);
  }
  console.error(err);
  return c.json(errorBody('internal', 'internal error'), ERROR_TABLE.internal.status);
}

/** Validates query parameters with a zod schema; failures become 400s through toErrorResponse. */
export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  return schema.parse(c.req.query());
}
