import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import { errorBody } from './http-errors.js';
import type { RouteDoc } from './openapi.js';

/** Swagger UI's files ship in the swagger-ui-dist package, so the page works with no network. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// validatorUrl null: by default Swagger UI sends the document to validator.swagger.io for a badge.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loupe API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
<style>body { margin: 0; } .swagger-ui .topbar { display: none; }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

export const apiDocsDocs: RouteDoc[] = [{ method: 'get', path: '/api/docs', summary: 'Interactive API reference (Swagger UI) for this document, served locally', response: 'text/html' }];

function assetDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** `GET /api/docs`: Swagger UI over `GET /api/openapi.json`; mount under `/api`. */
export function apiDocsRoutes(): Hono {
  const app = new Hono();
  const dir = assetDir();
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/docs/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.json(errorBody('not_found', `no docs asset ${file}`), 404);
    // Versioned with the package, so a day of caching is safe and keeps reloads fast.
    return c.body(new Uint8Array(fs.readFileSync(path.join(dir, file))), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return app;
}
