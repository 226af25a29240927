import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createLogger', () => {
  it('rejects an unknown LOG_LEVEL by name', () => {
    vi.stubEnv('LOG_LEVEL', 'verbose');
    expect(() => createLogger()).toThrow(ConfigError);
    expect(() => createLogger()).toThrow('LOG_LEVEL is "verbose", which is not a log level');
  });

  it('redacts bot tokens in log lines', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    logger.info({ config: { token: 'secret-discord-token', signingSecret: 'secret-signing' } }, 'configured');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('secret-discord-token');
    expect(lines[0]).not.toContain('secret-signing');
    expect(lines[0]).toContain('[redacted]');
  });
});
