import { z } from 'zod';

/** One documented route: the OpenAPI document is generated from the same zod schemas the routes use. */
export interface RouteDoc {
  method: 'get' | 'post';
  path: string;
  summary: string;
  query?: z.ZodObject;
  body?: { contentType: string; description: string; schema?: z.ZodType };
  auth?: boolean;
  response: string;
}

const ERROR = { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } };

export function openApiDocument(routes: readonly RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const params: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const schema = z.toJSONSchema(r.query, { io: 'input' }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) {
        params.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: s });
      }
    }
    (paths[oaPath] ??= {})[r.method] = {
      summary: r.summary,
      parameters: params,
      ...(r.body
        ? {
            requestBody: {
              required: true,
              description: r.body.description,
              content: { [r.body.contentType]: { schema: r.body.schema ? z.toJSONSchema(r.body.schema, { io: 'input' }) : { type: 'string', format: 'binary' } } },
            },
          }
        : {}),
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      responses: {
        200: { description: r.response },
        default: { description: 'error', content: { 'application/json': { schema: ERROR } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Loupe API', version, description: 'Self-hosted visual discovery: serve from precomputed vectors.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
