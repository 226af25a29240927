import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import {
  DEFAULT_FASHION_MNIST_URL,
  downloadFashionMnist,
  resolveDataUrl,
  type DownloadFashionMnistArgs,
} from '../../../core/data/download.js';
import { DataError } from '../../../core/data/errors.js';
import {
  FASHION_MNIST_FILES,
  FASHION_MNIST_FILE_NAMES,
  loadFashionMnist,
  type ChecksumTable,
} from '../../../core/data/fashion-mnist.js';
import { createLogger } from '../../../core/logger.js';
import { startStaticFileServer, type RequestInterceptor, type StaticFileServer } from '../../helpers/static-file-server.js';

const miniDir = fileURLToPath(new URL('../../fixtures/fashion-mnist-mini/', import.meta.url));
const miniChecksums = Object.fromEntries(
  FASHION_MNIST_FILE_NAMES.map((name) => [name, sha256(readFileSync(path.join(miniDir, name)))]),
) as ChecksumTable;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function makeTargetDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snapclass-download-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function serveMini(intercept?: RequestInterceptor): Promise<StaticFileServer> {
  const server = await startStaticFileServer(miniDir, intercept);
  cleanups.push(() => server.close());
  return server;
}

/** Creates an info-level logger that collects its JSON lines in `lines`. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

function download(server: StaticFileServer, targetDir: string, overrides: Partial<DownloadFashionMnistArgs> = {}) {
  return downloadFashionMnist({
    baseUrl: server.url,
    targetDir,
    expectedChecksums: miniChecksums,
    retryDelayMs: 10,
    ...overrides,
  });
}

async function downloadError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.catch((caught: unknown) => caught);
  if (!(error instanceof DataError)) {
    throw new Error(`expected a DataError, received ${String(error)}`);
  }
  return error;
}

function requestsFor(server: StaticFileServer, name: string): number {
  return server.requestedPaths.filter((requestPath) => requestPath === `/${name}`).length;
}

describe('downloadFashionMnist', () => {
  it('downloads and verifies all files', async () => {
    const server = await serveMini();
    const targetDir = path.join(makeTargetDir(), 'nested', 'fashion-mnist');

    const results = await download(server, targetDir);

    expect(results.map((result) => result.name)).toEqual(FASHION_MNIST_FILE_NAMES);
    expect(results.every((result) => result.status === 'downloaded')).toBe(true);
    for (const result of results) {
      const bytes = readFileSync(path.join(targetDir, result.name));
      expect(result.sha256).toBe(miniChecksums[result.name]);
      expect(sha256(bytes)).toBe(miniChecksums[result.name]);
      expect(result.bytes).toBe(bytes.length);
    }
    expect(readdirSync(targetDir).sort()).toEqual([...FASHION_MNIST_FILE_NAMES].sort());
    expect(server.requestedPaths).toEqual(FASHION_MNIST_FILE_NAMES.map((name) => `/${name}`));

    const loaded = await loadFashionMnist(targetDir, { expectedChecksums: miniChecksums });
    expect(loaded.train.count).toBe(1_000);
  });

  it('skips files already verified', async () => {
    const server = await serveMini();
    const targetDir = makeTargetDir();
    await download(server, targetDir);

    const second = await download(server, targetDir);

    expect(second.map((result) => result.status)).toEqual(['present', 'present', 'present', 'present']);
    expect(server.requestedPaths.length).toBe(4);
  });

  it('downloads again when forced', async () => {
    const server = await serveMini();
    const targetDir = makeTargetDir();
    await download(server, targetDir);

    const second = await download(server, targetDir, { force: true });

    expect(second.every((result) => result.status === 'downloaded')).toBe(true);
    expect(server.requestedPaths.length).toBe(8);
  });

  it('replaces file with wrong hash', async () => {
    const server = await serveMini();
    const targetDir = makeTargetDir();
    const labelsPath = path.join(targetDir, FASHION_MNIST_FILES.testLabels);
    writeFileSync(labelsPath, 'not the labels');
    writeFileSync(`${labelsPath}.part`, 'left over from an interrupted run');

    const results = await download(server, targetDir);

    expect(results.find((result) => result.name === FASHION_MNIST_FILES.testLabels)?.status).toBe('downloaded');
    expect(sha256(readFileSync(labelsPath))).toBe(miniChecksums[FASHION_MNIST_FILES.testLabels]);
    expect(existsSync(`${labelsPath}.part`)).toBe(false);
  });

  it('rejects checksum mismatch without leftovers', async () => {
    const server = await serveMini();
    const targetDir = makeTargetDir();
    const wrongHash = '0'.repeat(64);
    const expectedChecksums = { ...miniChecksums, [FASHION_MNIST_FILES.trainLabels]: wrongHash };

    const error = await downloadError(download(server, targetDir, { expectedChecksums }));

    expect(error.code).toBe('checksum_mismatch');
    expect(error.fileName).toBe(FASHION_MNIST_FILES.trainLabels);
    expect(error.message).toContain(wrongHash);
    expect(error.message).toContain(miniChecksums[FASHION_MNIST_FILES.trainLabels]);
    expect(readdirSync(targetDir)).toEqual([FASHION_MNIST_FILES.trainImages]);
    expect(requestsFor(server, FASHION_MNIST_FILES.trainLabels)).toBe(1);
  });

  it('leaves nothing when connection drops', async () => {
    const server = await serveMini((request, response) => {
      if (request.url !== `/${FASHION_MNIST_FILES.trainImages}`) {
        return false;
      }
      const bytes = readFileSync(path.join(miniDir, FASHION_MNIST_FILES.trainImages));
      response.writeHead(200, { 'content-length': bytes.length });
      response.write(bytes.subarray(0, bytes.length / 2), () => response.socket?.destroy());
      return true;
    });
    const targetDir = makeTargetDir();
    const { logger, lines } = captureLogger();

    const error = await downloadError(download(server, targetDir, { maxAttempts: 3, logger }));

    expect(error.code).toBe('download_failed');
    expect(error.message).toContain(FASHION_MNIST_FILES.trainImages);
    expect(error.message).toContain('gave up after 3 attempts');
    expect(requestsFor(server, FASHION_MNIST_FILES.trainImages)).toBe(3);
    expect(readdirSync(targetDir)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'download attempt failed, retrying').length).toBe(2);
  });

  it('retries after server error', async () => {
    const server = await serveMini((_request, response, requestNumber) => {
      if (requestNumber !== 1) {
        return false;
      }
      response.writeHead(500).end();
      return true;
    });
    const targetDir = makeTargetDir();
    const { logger, lines } = captureLogger();

    const results = await download(server, targetDir, { logger });

    expect(results.every((result) => result.status === 'downloaded')).toBe(true);
    expect(requestsFor(server, FASHION_MNIST_FILES.trainImages)).toBe(2);
    const retries = lines.filter((line) => line.msg === 'download attempt failed, retrying');
    expect(retries.length).toBe(1);
    expect(retries[0]).toMatchObject({ file: FASHION_MNIST_FILES.trainImages, attempt: 1, delayMs: 10, level: 40 });
  });

  it('does not retry not found', async () => {
    const server = await serveMini((_request, response) => {
      response.writeHead(404).end();
      return true;
    });
    const targetDir = makeTargetDir();

    const error = await downloadError(download(server, targetDir));

    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('HTTP 404');
    expect(server.requestedPaths.length).toBe(1);
  });

  it('times out stalled response', async () => {
    const server = await serveMini((_request, response) => {
      response.writeHead(200, { 'content-length': 1_000 });
      response.write(Buffer.alloc(10));
      return true;
    });
    const targetDir = makeTargetDir();

    const error = await downloadError(download(server, targetDir, { timeoutMs: 200, maxAttempts: 2 }));

    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('timed out after 200 ms');
    expect(server.requestedPaths.length).toBe(2);
    expect(readdirSync(targetDir)).toEqual([]);
  });

  it('accepts base URL without trailing slash', async () => {
    const server = await serveMini();
    const targetDir = makeTargetDir();

    await download(server, targetDir, { baseUrl: server.url.replace(/\/$/, '') });

    expect(server.requestedPaths[0]).toBe(`/${FASHION_MNIST_FILES.trainImages}`);
  });

  it('rejects non-http base URL', async () => {
    const targetDir = makeTargetDir();

    await expect(downloadFashionMnist({ baseUrl: 'file:///tmp/', targetDir })).rejects.toMatchObject({
      code: 'invalid_config',
    });
    await expect(downloadFashionMnist({ baseUrl: 'not a url', targetDir })).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });
});

describe('resolveDataUrl', () => {
  it('prefers option then environment', () => {
    const env = { SNAPCLASS_DATA_URL: 'http://127.0.0.1:9/env/' };

    expect(resolveDataUrl(env, 'http://127.0.0.1:9/option/')).toBe('http://127.0.0.1:9/option/');
    expect(resolveDataUrl(env)).toBe('http://127.0.0.1:9/env/');
    expect(resolveDataUrl({})).toBe(DEFAULT_FASHION_MNIST_URL);
  });
});
