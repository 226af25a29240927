import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../../bots/errors.js';
import { downloadFile, type DownloadFileArgs } from '../../bots/shared/download-file.js';
import { maskSecrets, toSafeErrorLog } from '../../bots/shared/safe-error.js';
import { silentLogger } from '../../core/logger.js';

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

let server: http.Server;
let origin: string;
let otherServer: http.Server;
let otherOrigin: string;
const handlers = new Map<string, Handler>();
const hits = new Map<string, number[]>();

async function listen(handler: http.RequestListener): Promise<[http.Server, string]> {
  const created = http.createServer(handler);
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', () => resolve()));
  return [created, `http://127.0.0.1:${(created.address() as AddressInfo).port}`];
}

function download(path: string, overrides: Partial<DownloadFileArgs> = {}) {
  return downloadFile({ url: `${origin}${path}`, allowedOrigins: [origin], maxBytes: 1000, timeoutMs: 2000, baseDelayMs: 50, logger: silentLogger, ...overrides });
}

async function downloadError(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

beforeAll(async () => {
  [server, origin] = await listen((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, [...(hits.get(path) ?? []), performance.now()]);
    const handler = handlers.get(path);
    if (handler) return handler(request, response);
    response.writeHead(404).end();
  });
  [otherServer, otherOrigin] = await listen((_request, response) => response.writeHead(200).end('elsewhere'));

  handlers.set('/ok', (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([1, 2, 3])));
  handlers.set('/declared-large', (_request, response) => response.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000)));
  handlers.set('/streamed-large', (_request, response) => {
    response.writeHead(200);
    for (let i = 0; i < 20; i++) response.write(Buffer.alloc(100));
    response.end();
  });
  handlers.set('/slow', (_request, response) => {
    setTimeout(() => response.writeHead(200).end('late'), 1500);
  });
  handlers.set('/flaky', (_request, response) => {
    if ((hits.get('/flaky')?.length ?? 0) <= 3) return response.writeHead(503).end();
    response.writeHead(200).end('recovered');
  });
  handlers.set('/limited', (_request, response) => {
    if ((hits.get('/limited')?.length ?? 0) < 2) return response.writeHead(429, { 'retry-after': '1' }).end();
    response.writeHead(200).end('after the wait');
  });
  handlers.set('/down', (_request, response) => response.writeHead(502).end());
  handlers.set('/private', (_request, response) => response.writeHead(401).end('not_authed'));
  handlers.set('/moved', (_request, response) => response.writeHead(302, { location: '/ok' }).end());
  handlers.set('/login', (_request, response) => response.writeHead(302, { location: `${otherOrigin}/signin` }).end());
});

afterAll(async () => {
  server.closeAllConnections();
  otherServer.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => otherServer.close(() => resolve()));
});

describe('downloadFile', () => {
  it('returns bytes and content type', async () => {
    const file = await download('/ok');
    expect(Array.from(file.bytes)).toEqual([1, 2, 3]);
    expect(file.contentType).toBe('image/png');
  });

  it('rejects hosts off the allow-list', async () => {
    const error = await downloadError(download('/ok', { allowedOrigins: [otherOrigin] }));
    expect(error.code).toBe('file_host_not_allowed');
    expect(hits.get('/ok')).toHaveLength(1);
  });

  it('stops at a declared size over limit', async () => {
    expect((await downloadError(download('/declared-large'))).code).toBe('file_too_large');
  });

  it('stops a streamed body over limit', async () => {
    const error = await downloadError(download('/streamed-large'));
    expect(error.code).toBe('file_too_large');
    expect(error.message).toContain('more than 1000 bytes');
  });

  it('times out a slow host once', async () => {
    const error = await downloadError(download('/slow', { timeoutMs: 200 }));
    expect(error.code).toBe('download_timeout');
    expect(hits.get('/slow')).toHaveLength(1);
  });

  it('retries 5xx with backoff', async () => {
    const file = await download('/flaky', { retries: 3 });
    expect(Buffer.from(file.bytes).toString()).toBe('recovered');
    const times = hits.get('/flaky')!;
    expect(times).toHaveLength(4);
    // Backoff 50, 100, 200 ms with ±20% jitter.
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(0.8 * (50 + 100 + 200));
  });

  it('honours retry-after on 429', async () => {
    const file = await download('/limited', { retries: 2 });
    expect(Buffer.from(file.bytes).toString()).toBe('after the wait');
    const times = hits.get('/limited')!;
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after the retries', async () => {
    const error = await downloadError(download('/down', { retries: 1 }));
    expect(error.code).toBe('download_failed');
    expect(error.status).toBe(502);
    expect(hits.get('/down')).toHaveLength(2);
  });

  it('reports 401 without retrying', async () => {
    const error = await downloadError(download('/private'));
    expect(error.code).toBe('download_unauthorized');
    expect(hits.get('/private')).toHaveLength(1);
  });

  it('follows redirects on the same origin', async () => {
    expect(Array.from((await download('/moved')).bytes)).toEqual([1, 2, 3]);
  });

  it('stops at redirects to other hosts', async () => {
    const error = await downloadError(download('/login'));
    expect(error.code).toBe('download_redirected');
    expect(error.message).toContain(`${otherOrigin}/signin`);
  });
});

describe('safe error logs', () => {
  it('masks tokens in messages and URLs', () => {
    expect(maskSecrets('token xoxb-123-456-abcDEF and xapp-1-A0-99')).toBe('token xox?-[redacted] and xapp-[redacted]');
    const error = Object.assign(new Error('Unknown Webhook'), {
      status: 404,
      method: 'PATCH',
      url: 'https://discord.com/api/v10/webhooks/1234/aW50ZXJhY3Rpb24tdG9rZW4/messages/@original',
    });
    expect(toSafeErrorLog(error)).toMatchObject({
      type: 'Error',
      message: 'Unknown Webhook',
      status: 404,
      method: 'PATCH',
      url: 'https://discord.com/api/v10/webhooks/1234/[redacted]/messages/@original',
    });
  });
});
