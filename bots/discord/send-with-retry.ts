import { HTTPError } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import { retryWithBackoff } from '../shared/retry.js';

const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Runs a Discord REST call, retrying with backoff (0.5 s, 1 s, 2 s) when Discord answers 5xx or
 * the connection fails. discord.js already waits out 429 responses for their `retry_after` and
 * retries 5xx three times at once; this adds spaced retries for longer outages.
 *
 * @throws the last error, such as DiscordAPIError for a 4xx answer, which is never retried.
 */
export function sendWithRetry<T>(operation: () => Promise<T>, logger: Logger, context: Record<string, unknown>): Promise<T> {
  return retryWithBackoff(operation, {
    retries: 3,
    logger,
    context,
    shouldRetry: (error) => {
      if (error instanceof HTTPError) return error.status >= 500;
      const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
      return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
    },
  });
}
