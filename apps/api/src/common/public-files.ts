import compress from '@fastify/compress';
import etag from '@fastify/etag';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** A file served as it is on disk (@fastify/static: ETag, Last-Modified, 304, ranges). */
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
}

/**
 * The web page, the docs and their bundles: in a scope of their own, gzipped
 * (@fastify/compress, from 1 kB) and with ETags (@fastify/etag for rendered
 * files), so none of it touches the API's routes, whose answers stay as they are.
 */
export async function servePublicFiles(
  fastify: FastifyInstance,
  files: { onDisk: FileOnDisk[]; rendered: RenderedFile[] },
): Promise<void> {
  await fastify.register(async (scope) => {
    await scope.register(compress, { global: true, threshold: 1024, encodings: ['gzip'] });
    await scope.register(etag);
    await scope.register(fastifyStatic, { root: files.onDisk[0]?.root ?? process.cwd(), serve: false });
    for (const { path, root, file, maxAge } of files.onDisk) {
      scope.get(path, (_request, reply) => reply.sendFile(file, root, { maxAge: maxAge * 1000 }));
    }
    for (const { path, type, render, maxAge } of files.rendered) {
      let body: string | undefined;
      scope.get(path, (_request, reply) => {
        body ??= render();
        return reply
          .type(type)
          .header('Cache-Control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
          .send(body);
      });
    }
  });
}
