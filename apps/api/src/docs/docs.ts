import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serveStaticFiles } from '../common/static-files.js';
import { buildOpenApiDocument } from './openapi.js';

const resolve = createRequire(import.meta.url).resolve;
const SWAGGER_UI = dirname(resolve('swagger-ui-dist/package.json'));
const REDOC = dirname(resolve('redoc/package.json'));
const REDOCLY_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

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
  const fastify = app.getHttpAdapter().getInstance();
  const text = (path: string, type: string, body: string) =>
    fastify.get(path, (_request, reply) => reply.type(type).header('Cache-Control', 'no-cache').send(body));

  text('/swagger.json', 'application/json; charset=utf-8', document);
  text('/swagger/', 'text/html; charset=utf-8', SWAGGER_PAGE);
  text('/swagger/init.js', 'application/javascript; charset=utf-8', SWAGGER_INIT);
  text('/redoc/', 'text/html; charset=utf-8', REDOC_PAGE);
  serveStaticFiles(fastify, [
    {
      path: '/swagger/swagger-ui.css',
      file: join(SWAGGER_UI, 'swagger-ui.css'),
      type: 'text/css; charset=utf-8',
      maxAge: 86400,
    },
    {
      path: '/swagger/swagger-ui-bundle.js',
      file: join(SWAGGER_UI, 'swagger-ui-bundle.js'),
      type: 'application/javascript; charset=utf-8',
      maxAge: 86400,
    },
    {
      path: '/redoc/redoc.standalone.js',
      file: join(REDOC, 'bundles', 'redoc.standalone.js'),
      type: 'application/javascript; charset=utf-8',
      maxAge: 86400,
      // Its one outside address, the Redocly logo beside "API docs by Redocly", becomes
      // our own icon: the docs make no request outside the API, and the CSP blocks nothing.
      transform: (text) => text.replaceAll(REDOCLY_LOGO, '/favicon.svg'),
    },
  ]);
}
