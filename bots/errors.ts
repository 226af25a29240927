import { SnapclassError } from '../core/errors.js';

/**
 * A file a user posted could not be fetched from the chat platform. `code` is stable and maps
 * to a chat reply (core/chat/rejection-reply.ts):
 * - `file_host_not_allowed`: the URL is not on the platform's file hosts;
 * - `file_too_large`: the declared or streamed size is over the limit;
 * - `download_timeout`: the download took longer than its time limit;
 * - `download_unauthorized`: the host responded with 401 or 403;
 * - `download_redirected`: the host redirected off its own origin, as to a login page;
 * - `download_failed`: any other HTTP status or network error, after retries.
 */
export class DownloadError extends SnapclassError {
  /** HTTP status of the last response, when there was one. */
  readonly status: number | null;
  /** The wait the host asked for with `Retry-After`, in ms; null when it named none. */
  readonly retryAfterMs: number | null;

  constructor(code: string, message: string, options: { status?: number | null; retryAfterMs?: number | null; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
