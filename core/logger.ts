import pino, { type Logger } from 'pino';
import { ConfigError } from './errors.js';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerArgs {
  /** pino level name; defaults to `LOG_LEVEL` or `info` (`silent` under vitest). */
  level?: string;
  /** Destination stream; defaults to standard output. */
  destination?: pino.DestinationStream;
}

/**
 * Paths whose values are replaced by `[redacted]` in every log line, so bot tokens and
 * signing secrets never reach a log even when a caller logs a whole configuration object.
 */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'appToken',
  '*.appToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

/** The pino level names that `LOG_LEVEL` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Creates the root pino logger. Components take a child of it (`logger.child({component})`)
 * so each JSON line names where it came from.
 *
 * @throws ConfigError when the level is not one of {@link LOG_LEVELS}.
 */
export function createLogger(args: LoggerArgs = {}): Logger {
  const level = args.level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(`LOG_LEVEL is "${level}", which is not a log level. Set it to one of: ${LOG_LEVELS.join(', ')}.`);
  }
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'snapclass' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return args.destination ? pino(options, args.destination) : pino(options);
}

/** A logger that drops every line; the default for library calls that get none. */
export const silentLogger: Logger = pino({ level: 'silent' });
