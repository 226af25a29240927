import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../core/config.js';

describe('loadServiceConfig', () => {
  it('uses the defaults for an empty environment', () => {
    expect(loadServiceConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      dbFile: 'data/snapclass.db',
      modelsDir: 'models',
      maxUploadBytes: 10 * 1024 * 1024,
      maxImagePixels: 50_000_000,
      requestTimeoutMs: 30_000,
      shutdownTimeoutMs: 10_000,
      batchMaxSize: 32,
      batchMaxWaitMs: 2,
      userSalt: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadServiceConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      SNAPCLASS_DB: '/var/lib/snapclass/db.sqlite',
      SNAPCLASS_MODELS_DIR: '/srv/models',
      SNAPCLASS_MAX_UPLOAD_BYTES: '1000',
      SNAPCLASS_MAX_IMAGE_PIXELS: '2000',
      SNAPCLASS_REQUEST_TIMEOUT_MS: '1500',
      SNAPCLASS_SHUTDOWN_TIMEOUT_MS: '0',
      SNAPCLASS_BATCH_MAX_SIZE: '1',
      SNAPCLASS_BATCH_MAX_WAIT_MS: '0.5',
      SNAPCLASS_USER_SALT: 'a-salt-of-16-chars',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      dbFile: '/var/lib/snapclass/db.sqlite',
      modelsDir: '/srv/models',
      maxUploadBytes: 1000,
      maxImagePixels: 2000,
      requestTimeoutMs: 1500,
      shutdownTimeoutMs: 0,
      batchMaxSize: 1,
      batchMaxWaitMs: 0.5,
      userSalt: 'a-salt-of-16-chars',
    });
  });

  const invalid: [string, string, RegExp][] = [
    ['PORT', '70000', /^Invalid configuration: PORT="70000": must be an integer from 0 to 65535\. /],
    ['SNAPCLASS_BATCH_MAX_SIZE', '0', /^Invalid configuration: SNAPCLASS_BATCH_MAX_SIZE="0": must be an integer from 1 to 1024\. /],
    ['SNAPCLASS_BATCH_MAX_SIZE', 'many', /^Invalid configuration: SNAPCLASS_BATCH_MAX_SIZE="many": must be an integer from 1 to 1024\. /],
    ['SNAPCLASS_BATCH_MAX_WAIT_MS', '-1', /^Invalid configuration: SNAPCLASS_BATCH_MAX_WAIT_MS="-1": must be a number from 0 to 1000\. /],
    ['SNAPCLASS_REQUEST_TIMEOUT_MS', '2.5', /^Invalid configuration: SNAPCLASS_REQUEST_TIMEOUT_MS="2.5": must be an integer from 10 to 600000\. /],
    ['SNAPCLASS_USER_SALT', 'short', /^Invalid configuration: SNAPCLASS_USER_SALT=\(hidden\): must be at least 16 characters long\. /],
  ];
  for (const [name, value, message] of invalid) {
    it(`rejects ${name}=${value} by name`, () => {
      expect(() => loadServiceConfig({ [name]: value })).toThrow(message);
      expect(() => loadServiceConfig({ [name]: value })).toThrow(/Fix the variable or unset it to use the default \(see \.env\.example\)\.$/);
    });
  }

  it('names every invalid variable', () => {
    expect(() => loadServiceConfig({ PORT: '-1', SNAPCLASS_DB: '' })).toThrow(
      /^Invalid configuration: PORT="-1": must be an integer from 0 to 65535; SNAPCLASS_DB="": /,
    );
  });

  it('documents every variable in .env.example', () => {
    const example = fs.readFileSync(path.resolve(import.meta.dirname, '../../.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const defaults = loadServiceConfig({});
    expect(Object.keys(defaults)).toHaveLength(11);
    for (const name of [
      'HOST', 'PORT', 'SNAPCLASS_DB', 'SNAPCLASS_MODELS_DIR', 'SNAPCLASS_MAX_UPLOAD_BYTES', 'SNAPCLASS_MAX_IMAGE_PIXELS',
      'SNAPCLASS_REQUEST_TIMEOUT_MS', 'SNAPCLASS_SHUTDOWN_TIMEOUT_MS', 'SNAPCLASS_BATCH_MAX_SIZE', 'SNAPCLASS_BATCH_MAX_WAIT_MS', 'SNAPCLASS_USER_SALT',
    ]) {
      expect(documented.has(name), `${name} is missing from .env.example`).toBe(true);
    }
  });
});
