import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '@app/platform';
import { servePublicFiles } from '../common/public-files.js';
import { pageSecurityPolicy } from '../common/security-headers.js';

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
export function registerWebPage(
  fastify: FastifyInstance,
  options: { inbox: boolean; botCheck: AppConfig['botCheck'] },
): void {
  const { botCheck } = options;
  // provider:site key:always|asked: the widget from the start, or once the API asks for it (BOT_CHECK_WHEN).
  const widget = botCheck ? `${botCheck.provider}:${botCheck.siteKey}:${botCheck.always ? 'always' : 'asked'}` : '';
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
          readFileSync(join(WEB_ROOT, 'index.html'), 'utf8')
            .replace('data-inbox="off"', `data-inbox="${options.inbox ? 'on' : 'off'}"`)
            .replace('data-bot-check=""', `data-bot-check="${escapeAttribute(widget)}"`),
        headers: botCheck ? { 'Content-Security-Policy': pageSecurityPolicy(botCheck.provider) } : {},
      },
    ],
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
