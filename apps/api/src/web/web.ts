import type { FastifyInstance } from 'fastify';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStaticFiles } from '../common/static-files.js';

/** The page's files sit next to this module (the build copies them there). */
const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'public');

/** The minimal web page at `/`: three static files, no build step. */
export function registerWebPage(fastify: FastifyInstance): void {
  serveStaticFiles(fastify, [
    { path: '/', file: join(WEB_ROOT, 'index.html'), type: 'text/html; charset=utf-8', maxAge: 0 },
    { path: '/app.js', file: join(WEB_ROOT, 'app.js'), type: 'application/javascript; charset=utf-8' },
    { path: '/style.css', file: join(WEB_ROOT, 'style.css'), type: 'text/css; charset=utf-8' },
  ]);
}
