import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * Hook called with each request before the file is served. It returns true when it has handled
 * the response itself (to send a 500 or cut the connection, say), false to serve the file.
 */
export type RequestInterceptor = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  requestNumber: number,
) => boolean | Promise<boolean>;

/** A running {@link startStaticFileServer}. */
export interface StaticFileServer {
  /** Base URL with a trailing slash, on 127.0.0.1 and the port the system chose. */
  url: string;
  /** Paths of the requests received so far, in order. */
  requestedPaths: string[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 at a free port that serves the files of `root` with a
 * Content-Length header, 404 for missing files and 403 for paths outside `root`.
 */
export async function startStaticFileServer(root: string, intercept?: RequestInterceptor): Promise<StaticFileServer> {
  const resolvedRoot = path.resolve(root);
  const requestedPaths: string[] = [];
  const server = http.createServer((request, response) => {
    const requestPath = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    requestedPaths.push(requestPath);
    void handle(request, response, requestPath, requestedPaths.length);
  });

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    requestPath: string,
    requestNumber: number,
  ): Promise<void> {
    if (intercept && (await intercept(request, response, requestNumber))) {
      return;
    }

    const filePath = path.join(resolvedRoot, requestPath);
    if (!filePath.startsWith(resolvedRoot + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    const info = await stat(filePath).catch(() => null);
    if (info === null || !info.isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
    createReadStream(filePath).pipe(response);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requestedPaths,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
