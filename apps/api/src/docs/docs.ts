import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servePublicFiles } from '../common/public-files.js';
import { buildOpenApiDocument } from './openapi.js';

const resolve = createRequire(import.meta.url).resolve;
const SWAGGER_UI = dirname(resolve('swagger-ui-dist/package.json'));
/**
 * ReDoc's one file. `npm run build` copies it into dist/apps/api/vendor/:
 * `redoc` is a development dependency, so the image ships this bundle and not
 * the 60 MB of React, MobX and styled-components the package depends on. From
 * the sources (the tests, `make dev` before a build) it is node_modules'.
 */
function redocBundle(): string {
  const vendored = fileURLToPath(new URL('../../../../vendor/redoc.standalone.js', import.meta.url));
  return existsSync(vendored)
    ? vendored
    : join(dirname(resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');
}
const REDOCLY_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const DAY = 86_400;

const page = (title: string, head: string, body: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    ${head}
  </head>
  <body>
    ${body}
  </body>
</html>`;

const SWAGGER_PAGE = page(
  'Referral service API · Swagger UI',
  '<link rel="stylesheet" href="/swagger/swagger-ui.css" />',
  '<div id="swagger-ui"></div>\n    <script src="/swagger/swagger-ui-bundle.js"></script>\n    <script src="/swagger/init.js"></script>',
);

// The Bearer token typed into Authorize survives a reload (persistAuthorization).
const SWAGGER_INIT = `window.ui = SwaggerUIBundle({
  url: '/swagger.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
});
`;

const REDOC_PAGE = page(
  'Referral service API · ReDoc',
  '',
  '<redoc spec-url="/swagger.json"></redoc>\n    <script src="/redoc/redoc.standalone.js"></script>',
);

/**
 * One OpenAPI document, three views: the JSON at /swagger.json, Swagger UI at
 * /swagger/ and ReDoc at /redoc/. Both UIs come from npm and are served here:
 * no CDN, so the docs work offline.
 */
export function registerDocs(app: NestFastifyApplication): void {
  const document = JSON.stringify(buildOpenApiDocument(app));
  const rendered = (path: string, type: string, render: () => string, maxAge = 0) => ({ path, type, render, maxAge });
  servePublicFiles(app.getHttpAdapter().getInstance(), {
    onDisk: [
      { path: '/swagger/swagger-ui.css', root: SWAGGER_UI, file: 'swagger-ui.css', maxAge: DAY },
      { path: '/swagger/swagger-ui-bundle.js', root: SWAGGER_UI, file: 'swagger-ui-bundle.js', maxAge: DAY },
    ],
    rendered: [
      rendered('/swagger.json', 'application/json; charset=utf-8', () => document),
      rendered('/swagger/', 'text/html; charset=utf-8', () => SWAGGER_PAGE),
      rendered('/swagger/init.js', 'application/javascript; charset=utf-8', () => SWAGGER_INIT),
      rendered('/redoc/', 'text/html; charset=utf-8', () => REDOC_PAGE),
      // Its one outside address, the Redocly logo beside "API docs by Redocly", becomes
      // our own icon: the docs make no request outside the API, and the CSP blocks nothing.
      rendered(
        '/redoc/redoc.standalone.js',
        'application/javascript; charset=utf-8',
        () => readFileSync(redocBundle(), 'utf8').replaceAll(REDOCLY_LOGO, '/favicon.svg'),
        DAY,
      ),
    ],
  });
}
