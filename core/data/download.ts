import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { ChecksumMismatchError, DownloadFailedError } from './errors.js';
import {
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_SHA256,
  type ChecksumTable,
  type FashionMnistFileName,
} from './fashion-mnist.js';

/** The data set authors' download location, used when neither --url nor SNAPCLASS_DATA_URL is set. */
export const DEFAULT_FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Options of {@link downloadFashionMnist}. */
export interface DownloadFashionMnistArgs {
  /** Folder URL that contains the four files under their official names. */
  baseUrl: string;
  /** Folder to write the files into, created when missing. */
  targetDir: string;
  logger?: Logger;
  /** Fetch implementation. Defaults to the global `fetch`. */
  fetchImpl?: typeof fetch;
  /** SHA-256 that each downloaded file must have. Defaults to the official table. */
  expectedChecksums?: ChecksumTable;
  /** Download every file, even those already present with the right hash. Defaults to false. */
  force?: boolean;
  /** Maximum time for one attempt at one file, in ms. Defaults to 300,000 (5 minutes). */
  timeoutMs?: number;
  /** Maximum attempts per file when transient faults repeat. Defaults to 4. */
  maxAttempts?: number;
  /** Delay before the first retry in ms, doubled before each further one. Defaults to 1,000. */
  retryDelayMs?: number;
}

/** Outcome of {@link downloadFashionMnist} for one file. */
export interface DownloadedFile {
  name: FashionMnistFileName;
  sha256: string;
  /** `present`: already on disk with the expected hash, so not downloaded. */
  status: 'downloaded' | 'present';
  /** Size of the file on disk, in bytes. */
  bytes: number;
}

interface FileContext {
  baseUrl: URL;
  targetDir: string;
  logger: Logger;
  fetchImpl: typeof fetch;
  timeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
}

/** A failed download attempt. Transient faults (network, timeout, 5xx, 408, 429) are retried. */
class AttemptFailure extends Error {
  readonly transient: boolean;

  constructor(reason: string, transient: boolean, options?: { cause?: unknown }) {
    super(reason, options);
    this.transient = transient;
  }
}

/**
 * Returns the base URL to download from: `override` (the --url option) when given, else
 * `$SNAPCLASS_DATA_URL`, else {@link DEFAULT_FASHION_MNIST_URL}.
 */
export function resolveDataUrl(env: Readonly<Record<string, string | undefined>>, override?: string): string {
  return override?.trim() || env.SNAPCLASS_DATA_URL?.trim() || DEFAULT_FASHION_MNIST_URL;
}

/**
 * Downloads the four Fashion-MNIST files from `baseUrl` into `targetDir`, one after another.
 * Files already present with the expected hash are kept unless `force` is set. Each file is
 * written to `<name>.part` in the target folder while its SHA-256 is computed, then renamed
 * to its final name only when the hash matches, so an interrupted download never leaves a
 * file under the official name. Network errors, timeouts and 5xx responses are retried with
 * exponential backoff.
 *
 * @throws ConfigError when `baseUrl` is not an http(s) URL.
 * @throws ChecksumMismatchError when a downloaded file has another hash, after deleting its temporary file.
 * @throws DownloadFailedError on a 4xx response, or when the last attempt at a file fails.
 */
export async function downloadFashionMnist(args: DownloadFashionMnistArgs): Promise<DownloadedFile[]> {
  const context: FileContext = {
    baseUrl: parseBaseUrl(args.baseUrl),
    targetDir: args.targetDir,
    logger: (args.logger ?? silentLogger).child({ component: 'download' }),
    fetchImpl: args.fetchImpl ?? fetch,
    timeoutMs: args.timeoutMs ?? 300_000,
    maxAttempts: args.maxAttempts ?? 4,
    retryDelayMs: args.retryDelayMs ?? 1_000,
  };
  const expectedChecksums = args.expectedChecksums ?? FASHION_MNIST_SHA256;
  await mkdir(context.targetDir, { recursive: true });

  const results: DownloadedFile[] = [];
  for (const name of FASHION_MNIST_FILE_NAMES) {
    results.push(await ensureFile(name, expectedChecksums[name], args.force ?? false, context));
  }
  return results;
}

/**
 * Computes the SHA-256 and size of a file by streaming it, or returns null when it does not exist.
 */
export async function hashFile(filePath: string): Promise<{ sha256: string; bytes: number } | null> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(filePath)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function ensureFile(
  name: FashionMnistFileName,
  expectedSha256: string,
  force: boolean,
  context: FileContext,
): Promise<DownloadedFile> {
  const { logger } = context;
  const finalPath = path.join(context.targetDir, name);
  const tempPath = `${finalPath}.part`;

  if (!force) {
    const existing = await hashFile(finalPath);
    if (existing?.sha256 === expectedSha256) {
      logger.info({ file: name, path: finalPath }, 'file already present with the expected SHA-256, skipping');
      return { name, sha256: existing.sha256, status: 'present', bytes: existing.bytes };
    }
    if (existing !== null) {
      logger.warn({ file: name, expectedSha256, receivedSha256: existing.sha256 }, 'file on disk has another SHA-256, replacing it');
    }
  }

  const url = new URL(name, context.baseUrl).href;
  const { sha256, bytes } = await downloadWithRetries(name, url, tempPath, context);
  if (sha256 !== expectedSha256) {
    await rm(tempPath, { force: true });
    throw new ChecksumMismatchError(
      name,
      expectedSha256,
      sha256,
      `Check that --url or SNAPCLASS_DATA_URL points at the official files (fetched ${url})`,
    );
  }

  await rename(tempPath, finalPath);
  logger.info({ file: name, path: finalPath, bytes, sha256 }, 'downloaded and verified');
  return { name, sha256, status: 'downloaded', bytes };
}

async function downloadWithRetries(
  name: FashionMnistFileName,
  url: string,
  tempPath: string,
  context: FileContext,
): Promise<{ sha256: string; bytes: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      context.logger.info({ file: name, url, attempt }, 'downloading');
      return await downloadToFile(url, tempPath, context);
    } catch (error) {
      await rm(tempPath, { force: true });
      if (!(error instanceof AttemptFailure)) {
        throw error;
      }
      if (!error.transient || attempt >= context.maxAttempts) {
        const reason = error.transient ? `${error.message} (gave up after ${attempt} attempts)` : error.message;
        throw new DownloadFailedError(name, url, reason, { cause: error });
      }

      const delayMs = context.retryDelayMs * 2 ** (attempt - 1);
      context.logger.warn(
        { file: name, url, attempt, maxAttempts: context.maxAttempts, delayMs, reason: error.message },
        'download attempt failed, retrying',
      );
      await sleep(delayMs);
    }
  }
}

/**
 * Fetches `url` into `tempPath` while hashing it. Faults of the server or the network become
 * an AttemptFailure. File system errors propagate unchanged because a retry would not help.
 */
async function downloadToFile(url: string, tempPath: string, context: FileContext) {
  const signal = AbortSignal.timeout(context.timeoutMs);
  let response: Response;
  try {
    response = await context.fetchImpl(url, { signal });
  } catch (error) {
    throw networkFailure(error, context.timeoutMs);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new AttemptFailure(`server responded with HTTP ${response.status}`, transient);
  }

  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  const hash = createHash('sha256');
  const reader = response.body.getReader();
  const file = await open(tempPath, 'w');
  let bytes = 0;
  let lastProgressLog = performance.now();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw networkFailure(error, context.timeoutMs);
      }
      if (chunk.done) {
        break;
      }

      hash.update(chunk.value);
      await file.write(chunk.value);
      bytes += chunk.value.length;
      if (performance.now() - lastProgressLog > 2_000) {
        lastProgressLog = performance.now();
        context.logger.info({ url, receivedBytes: bytes, totalBytes }, 'download progress');
      }
    }
  } finally {
    reader.releaseLock();
    await file.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

function networkFailure(error: unknown, timeoutMs: number): AttemptFailure {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new AttemptFailure(`timed out after ${timeoutMs} ms`, true, { cause: error });
  }
  // undici reports socket faults as a TypeError whose cause is the system error.
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new AttemptFailure(`network error (${message}${detail})`, true, { cause: error });
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new ConfigError(`Data URL ${JSON.stringify(baseUrl)} is invalid. Set --url or SNAPCLASS_DATA_URL to an http(s) folder URL.`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Data URL ${baseUrl} must use http or https, received ${url.protocol}. Set --url or SNAPCLASS_DATA_URL to an http(s) folder URL.`);
  }
  // new URL(name, base) drops the last path segment unless the base ends with a slash.
  if (!url.pathname.endsWith('/')) {
    url.pathname += '/';
  }
  return url;
}
