import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servePublicFiles } from '../common/public-files.js';

/** The page's files sit next to this module (the build copies them there). */
const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'public');
const DAY = 86_400;
/** The QR code library the page draws invite links with, from node_modules (no CDN). */
const QR_LIBRARY = createRequire(import.meta.url).resolve('qrcode-generator');

/**
 * The minimal web page at `/`: static files, no build step. The page learns from
 * its own HTML whether the simulated phone inbox exists, rather than by asking
 * for it and logging a 404 where it does not.
 */
export function registerWebPage(fastify: FastifyInstance, options: { inbox: boolean }): void {
  const onDisk = (path: string, file: string, maxAge: number) => ({ path, root: WEB_ROOT, file, maxAge });
  servePublicFiles(fastify, {
    onDisk: [
      onDisk('/app.js', 'app.js', 300),
      onDisk('/style.css', 'style.css', 300),
      // Linked from every page; also at /favicon.ico, which browsers ask for when a page links none.
      onDisk('/favicon.svg', 'favicon.svg', DAY),
      onDisk('/favicon.ico', 'favicon.svg', DAY),
      { path: '/vendor/qrcode.js', root: dirname(QR_LIBRARY), file: basename(QR_LIBRARY), maxAge: DAY },
    ],
    rendered: [
      {
        path: '/',
        type: 'text/html; charset=utf-8',
        maxAge: 0,
        render: () =>
          readFileSync(join(WEB_ROOT, 'index.html'), 'utf8').replace(
            'data-inbox="off"',
            `data-inbox="${options.inbox ? 'on' : 'off'}"`,
          ),
      },
    ],
  });
}
