import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../shared/safe-error.js';

/**
 * Adapts a pino logger to the logger interface of Bolt and the Slack Web API client, so their
 * lines (retries, rate limits, rejected signatures) land in the service's JSON log with tokens
 * masked. Bolt's own level setting is kept but pino's level decides what is written.
 */
export function createBoltLogger(logger: Logger): SlackLogger {
  let level: LogLevel = LogLevel.INFO;
  let name = 'bolt';
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (...parts: unknown[]) => {
    const text = parts.map((part) => (typeof part === 'string' ? part : safeStringify(part))).join(' ');
    logger[method]({ library: name }, maskSecrets(text));
  };

  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(next) {
      level = next;
    },
    getLevel: () => level,
    setName(next) {
      name = next;
    },
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
