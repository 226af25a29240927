/**
 * Base class of every error that snapclass raises on purpose. `code` is a stable string that
 * front ends map to a status (HTTP, a bot reply) without parsing the message.
 */
export class SnapclassError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value (environment variable or option) is missing or invalid. */
export class ConfigError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_config', message, options);
  }
}
