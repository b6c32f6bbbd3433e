import type { FastifyInstance } from 'fastify';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStaticFiles } from '../common/static-files.js';

/** The page's files sit next to this module (the build copies them there). */
const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * The minimal web page at `/`: static files, no build step. The page learns from
 * its own HTML whether the simulated phone inbox exists, rather than by asking
 * for it and logging a 404 where it does not.
 */
export function registerWebPage(fastify: FastifyInstance, options: { inbox: boolean }): void {
  serveStaticFiles(fastify, [
    {
      path: '/',
      file: join(WEB_ROOT, 'index.html'),
      type: 'text/html; charset=utf-8',
      maxAge: 0,
      transform: (html) => html.replace('data-inbox="off"', `data-inbox="${options.inbox ? 'on' : 'off'}"`),
    },
    { path: '/app.js', file: join(WEB_ROOT, 'app.js'), type: 'application/javascript; charset=utf-8' },
    { path: '/style.css', file: join(WEB_ROOT, 'style.css'), type: 'text/css; charset=utf-8' },
    // Linked from every page; also at /favicon.ico, which browsers ask for when a page links none.
    { path: '/favicon.svg', file: join(WEB_ROOT, 'favicon.svg'), type: 'image/svg+xml', maxAge: 86400 },
    { path: '/favicon.ico', file: join(WEB_ROOT, 'favicon.svg'), type: 'image/svg+xml', maxAge: 86400 },
  ]);
}
