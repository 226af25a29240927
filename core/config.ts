import { z } from 'zod';
import { ConfigError } from './errors.js';

function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

function decimal(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.coerce.number({ error }).min(min, { error }).max(max, { error });
}

/**
 * Environment variables of the service, with defaults. `.env.example` documents each one.
 * Parsed once at start, so a bad value stops the process with the variable's name.
 */
const environmentSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integer(0, 65535).default(3000),
  SNAPCLASS_DB: z.string().min(1).default('data/snapclass.db'),
  SNAPCLASS_MODELS_DIR: z.string().min(1).default('models'),
  SNAPCLASS_MAX_UPLOAD_BYTES: integer(1, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  SNAPCLASS_MAX_IMAGE_PIXELS: integer(1, 1_000_000_000).default(50_000_000),
  SNAPCLASS_REQUEST_TIMEOUT_MS: integer(10, 600_000).default(30_000),
  SNAPCLASS_SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
  SNAPCLASS_BATCH_MAX_SIZE: integer(1, 1024).default(32),
  SNAPCLASS_BATCH_MAX_WAIT_MS: decimal(0, 1000).default(2),
  SNAPCLASS_USER_SALT: z.string().min(16, { error: 'must be at least 16 characters long' }).optional(),
});

/** Validated service configuration. */
export interface ServiceConfig {
  host: string;
  port: number;
  dbFile: string;
  modelsDir: string;
  /** Largest accepted upload, in bytes. */
  maxUploadBytes: number;
  /** Largest accepted width * height of an image, checked before decoding. */
  maxImagePixels: number;
  /** Time after which a request gets a 504 response, in milliseconds. */
  requestTimeoutMs: number;
  /** Time that a stopping service waits for requests in flight before it drops their connections, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Largest number of images that one model call classifies. */
  batchMaxSize: number;
  /** Time that the first request of a batch waits for others to join it, in milliseconds. */
  batchMaxWaitMs: number;
  /** Salt for user id hashes; when unset, one is generated and kept in the database. */
  userSalt: string | undefined;
}

/** Variables whose values are never echoed in configuration errors. */
const SECRET_VARIABLES = new Set(['SNAPCLASS_USER_SALT']);

/**
 * Reads the service configuration from environment variables.
 *
 * @throws ConfigError naming each invalid variable, its value (except a secret's) and what it
 * accepts.
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const faults = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // The salt is a secret: its value never reaches an error message or a log.
      const displayedValue = SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(env[name]);
      return `${name}=${displayedValue}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${faults.join('; ')}. Fix the variable or unset it to use the default (see .env.example).`);
  }

  const values = result.data;
  return {
    host: values.HOST,
    port: values.PORT,
    dbFile: values.SNAPCLASS_DB,
    modelsDir: values.SNAPCLASS_MODELS_DIR,
    maxUploadBytes: values.SNAPCLASS_MAX_UPLOAD_BYTES,
    maxImagePixels: values.SNAPCLASS_MAX_IMAGE_PIXELS,
    requestTimeoutMs: values.SNAPCLASS_REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: values.SNAPCLASS_SHUTDOWN_TIMEOUT_MS,
    batchMaxSize: values.SNAPCLASS_BATCH_MAX_SIZE,
    batchMaxWaitMs: values.SNAPCLASS_BATCH_MAX_WAIT_MS,
    userSalt: values.SNAPCLASS_USER_SALT,
  };
}
