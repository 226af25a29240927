import type { Logger } from '../../core/logger.js';
import { DownloadError } from '../errors.js';
import { parseRetryAfter, retryWithBackoff } from './retry.js';

/** Options for {@link downloadFile}. */
export interface DownloadFileArgs {
  url: string;
  /** Origins (`https://cdn.discordapp.com`) that may be fetched; redirects are followed only among them. */
  allowedOrigins: readonly string[];
  /** Extra request headers, such as Slack's `Authorization: Bearer` bot token. */
  headers?: Record<string, string>;
  /** Largest accepted body in bytes. */
  maxBytes: number;
  /** Time limit for one attempt, headers and body together, in ms. */
  timeoutMs: number;
  /** Retries after a 429, a 5xx or a network error; defaults to 2. */
  retries?: number;
  /** Delay before the first retry in ms, doubled each time; defaults to 500. */
  baseDelayMs?: number;
  logger: Logger;
  /** Ids for log lines, such as `{ platform: 'slack', fileId }`. */
  context?: Record<string, unknown>;
}

/** A downloaded file's bytes and the content type its host declared. */
export interface DownloadedFile {
  bytes: Uint8Array;
  contentType: string | null;
}

const MAX_REDIRECTS = 3;

/**
 * Downloads a file a user posted, fetching only the platform's own file hosts, with bounded size
 * and time. A 429 or 5xx is retried after its `Retry-After` or with backoff. A timeout is not
 * retried, so one call takes at most about `(retries + 1) * timeoutMs` plus the waits.
 *
 * @throws DownloadError with the codes listed on that class.
 */
export async function downloadFile(args: DownloadFileArgs): Promise<DownloadedFile> {
  const first = parseAllowedUrl(args.url, args.allowedOrigins);
  const context = { ...args.context, fileOrigin: first.origin, filePath: first.pathname };

  return retryWithBackoff((attempt) => downloadOnce(first, args, attempt), {
    retries: args.retries ?? 2,
    baseDelayMs: args.baseDelayMs ?? 500,
    logger: args.logger,
    context: { ...context, operation: 'download file' },
    shouldRetry: (error) => {
      if (!(error instanceof DownloadError) || error.code !== 'download_failed') return false;
      if (error.status === null) return true;
      if (error.status === 429) return error.retryAfterMs ?? true;
      return error.status >= 500;
    },
  });
}

async function downloadOnce(start: URL, args: DownloadFileArgs, attempt: number): Promise<DownloadedFile> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), args.timeoutMs);
  try {
    let url = start;
    for (let hop = 0; ; hop++) {
      const response = await fetchOrThrow(url, args, controller.signal);

      if (response.status >= 300 && response.status < 400) {
        const target = redirectTarget(url, response, args.allowedOrigins, hop);
        await response.body?.cancel();
        url = target;
        continue;
      }
      checkStatus(url, response, attempt);
      const bytes = await readBounded(url, response, args.maxBytes);
      return { bytes, contentType: response.headers.get('content-type') };
    }
  } catch (error) {
    if (controller.signal.aborted) {
      throw new DownloadError('download_timeout', `Downloading ${start.origin}${start.pathname} took longer than ${args.timeoutMs} ms.`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function parseAllowedUrl(raw: string, allowedOrigins: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new DownloadError('download_failed', `The file URL "${raw}" is not a valid URL.`, { cause: error });
  }
  if (!allowedOrigins.includes(url.origin)) {
    throw new DownloadError(
      'file_host_not_allowed',
      `The file is on ${url.origin}, which is not one of the platform's file hosts (${allowedOrigins.join(', ')}).`,
    );
  }
  return url;
}

async function fetchOrThrow(url: URL, args: DownloadFileArgs, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { headers: args.headers, redirect: 'manual', signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new DownloadError('download_failed', `Cannot reach ${url.origin}: ${(error as Error).message}.`, { cause: error });
  }
}

function redirectTarget(from: URL, response: Response, allowedOrigins: readonly string[], hop: number): URL {
  const location = response.headers.get('location');
  const target = location ? new URL(location, from) : null;
  if (!target || !allowedOrigins.includes(target.origin) || hop >= MAX_REDIRECTS) {
    throw new DownloadError(
      'download_redirected',
      `${from.origin}${from.pathname} redirected to ${target ? target.origin + target.pathname : 'nowhere'} instead of sending the file.`,
      { status: response.status },
    );
  }
  return target;
}

function checkStatus(url: URL, response: Response, attempt: number): void {
  if (response.ok) return;
  const where = `${url.origin}${url.pathname}`;
  if (response.status === 401 || response.status === 403) {
    throw new DownloadError('download_unauthorized', `${where} responded with ${response.status}: the bot may not read this file.`, { status: response.status });
  }
  throw new DownloadError('download_failed', `${where} responded with ${response.status} on attempt ${attempt + 1}.`, {
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

async function readBounded(url: URL, response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    new DownloadError('file_too_large', `${url.origin}${url.pathname} is ${size}, over the limit of ${maxBytes} bytes.`, { status: response.status });

  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(`${declared} bytes`);
  }
  if (!response.body) return new Uint8Array(0);

  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > maxBytes) {
      // Leaving the loop cancels the stream, so the rest of the body is never read.
      throw tooLarge(`more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
