import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface StaticFile {
  /** The URL path, exactly. */
  path: string;
  /** The file on disk. */
  file: string;
  type: string;
  /** Seconds a browser may keep it. */
  maxAge?: number;
  /** Rewrites the file's text once, at start. */
  transform?: (text: string) => string;
}

/**
 * Serves a fixed list of files, read once at start: no path is ever taken from
 * the request, so nothing outside the list can be reached. Text is gzipped on
 * its first request from a client that accepts it, then kept: the docs' bundles
 * (2.7 MB) cost neither start-up time nor memory in a process nobody reads them
 * from. ETags spare repeat downloads.
 */
export function serveStaticFiles(fastify: FastifyInstance, files: StaticFile[]): void {
  for (const { path, file, type, maxAge = 300, transform } of files) {
    const plain = transform ? Buffer.from(transform(readFileSync(file, 'utf8'))) : readFileSync(file);
    let gzipped: Buffer | undefined;
    const etag = `"${createHash('sha1').update(plain).digest('base64url')}"`;
    fastify.get(path, (request, reply) => {
      void reply
        .header('ETag', etag)
        .header('Cache-Control', `public, max-age=${maxAge}`)
        .header('Vary', 'Accept-Encoding');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      void reply.type(type);
      if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        gzipped ??= gzipSync(plain, { level: 9 });
        return reply.header('Content-Encoding', 'gzip').send(gzipped);
      }
      return reply.send(plain);
    });
  }
}
