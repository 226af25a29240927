import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.js';
import { toSafeErrorLog } from './safe-error.js';

/** Options for {@link retryWithBackoff}. */
export interface RetryArgs {
  /** Retries after the first attempt; defaults to 3. */
  retries?: number;
  /** Delay before the first retry in ms, doubled on each retry; defaults to 500. */
  baseDelayMs?: number;
  /** Largest delay between attempts in ms, a server's retry-after included; defaults to 30,000. */
  maxDelayMs?: number;
  /**
   * Decides whether an error is worth retrying. Returns false to rethrow at once, true to use
   * the backoff delay, or a number of ms the server asked to wait (retry-after).
   */
  shouldRetry(error: unknown): boolean | number;
  logger: Logger;
  /** Names the operation and its ids in retry log lines, such as `{ operation: 'post answer', channelId }`. */
  context: Record<string, unknown>;
}

/**
 * Runs `operation`, retrying on errors that `shouldRetry` accepts with exponential backoff
 * (0.5 s, 1 s, 2 s, ... by default) and ±20% jitter, or after the delay the server asked for.
 * Each retry is logged at warn level with `context`.
 *
 * @throws the last error when retries run out, or the first error that is not retried.
 */
export async function retryWithBackoff<T>(operation: (attempt: number) => Promise<T>, args: RetryArgs): Promise<T> {
  const retries = args.retries ?? 3;
  const baseDelayMs = args.baseDelayMs ?? 500;
  const maxDelayMs = args.maxDelayMs ?? 30_000;

  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const verdict = attempt < retries ? args.shouldRetry(error) : false;
      if (verdict === false) throw error;

      const backoff = baseDelayMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
      const delayMs = Math.min(maxDelayMs, typeof verdict === 'number' ? verdict : backoff);
      args.logger.warn({ ...args.context, error: toSafeErrorLog(error), attempt: attempt + 1, retries, delayMs: Math.round(delayMs) }, 'retrying after a platform error');
      await sleep(delayMs);
    }
  }
}

/**
 * Parses an HTTP `Retry-After` header (seconds, or an HTTP date) into ms from now. Returns null
 * when the header is missing or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
