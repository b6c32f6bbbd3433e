import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A file served as it is on disk. */
export interface FileOnDisk {
  /** The URL path, exactly; no part of the request ever becomes a path on disk. */
  path: string;
  root: string;
  file: string;
  /** Seconds a browser may keep it. */
  maxAge: number;
}

/** A file made once, at its first request (a page with a setting in it, a bundle with an address rewritten). */
export interface RenderedFile {
  path: string;
  type: string;
  render: () => string;
  /** Seconds a browser may keep it; 0: ask every time (the ETag spares the download). */
  maxAge: number;
  /** Headers of its own, in place of the common ones of the same name (a page's wider Content-Security-Policy). */
  headers?: Record<string, string>;
}

/** Below this, gzip saves less than it costs. */
const GZIP_FROM_BYTES = 1024;

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

/** One file, ready to send: its bytes, its gzip (made once), its ETag. */
interface Prepared {
  type: string;
  raw: Buffer;
  gzipped: Buffer | null;
  etag: string;
}

async function prepare(type: string, raw: Buffer): Promise<Prepared> {
  const gzipped =
    raw.length >= GZIP_FROM_BYTES ? await promisify(gzip)(raw, { level: constants.Z_BEST_COMPRESSION }) : null;
  // Weak: the gzipped and the plain answer are the same file (RFC 9110 section 8.8.1).
  const etag = `W/"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`;
  return { type, raw, gzipped: gzipped && gzipped.length < raw.length ? gzipped : null, etag };
}

/** Whether the client takes gzip: named with a non-zero q, or `*` (RFC 9110 section 12.5.3). */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)).find(Boolean);
    return !q || Number(q[1]) > 0;
  }
  return false;
}

function send(file: Prepared, maxAge: number, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply
    .header('content-type', file.type)
    .header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
    .header('etag', file.etag);
  if (file.gzipped) reply.header('vary', 'accept-encoding');
  const tags = request.headers['if-none-match'];
  // Weak comparison (RFC 9110 section 13.1.2): a tag matches with or without its W/.
  if (tags && tags.split(',').some((tag) => ['*', file.etag.slice(2)].includes(tag.trim().replace(/^W\//, ''))))
    return reply.code(304).send();
  if (file.gzipped && acceptsGzip(request.headers['accept-encoding']))
    return reply.header('content-encoding', 'gzip').send(file.gzipped);
  return reply.send(file.raw);
}

/**
 * The web page, the docs and their bundles. Each file is read (or rendered) and
 * gzipped once, at its first request, then kept in memory with its ETag: a
 * request costs a lookup and a write, not a compression (Swagger UI's bundle is
 * 1.6 MB, ReDoc's 1.1 MB, both served to anyone). `If-None-Match` answers 304;
 * a client that does not take gzip gets the plain bytes. The API's own routes
 * are untouched.
 */
export function servePublicFiles(
  fastify: FastifyInstance,
  files: { onDisk: FileOnDisk[]; rendered: RenderedFile[] },
): void {
  const route = (path: string, maxAge: number, load: () => Promise<Prepared>, headers: Record<string, string> = {}) => {
    let prepared: Promise<Prepared> | undefined;
    fastify.get(path, async (request, reply) => {
      void reply.headers(headers);
      prepared ??= load().catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return send(await prepared, maxAge, request, reply);
    });
  };
  for (const { path, root, file, maxAge } of files.onDisk) {
    const type = TYPES[/\.[a-z]+$/.exec(file)?.[0] ?? ''] ?? 'application/octet-stream';
    route(path, maxAge, async () => prepare(type, await readFile(join(root, file))));
  }
  for (const { path, type, render, maxAge, headers } of files.rendered) {
    route(path, maxAge, () => prepare(type, Buffer.from(render())), headers);
  }
}
