import { describe, expect, it } from 'vitest';
import { loadBotConfig } from '../../bots/config.js';
import { ConfigError } from '../../core/errors.js';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadBotConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadBotConfig accepted the environment');
}

describe('loadBotConfig', () => {
  it('disables both bots without tokens', () => {
    const config = loadBotConfig({});
    expect(config.discord).toBeNull();
    expect(config.slack).toBeNull();
    expect(config.disabled).toEqual([
      { bot: 'discord', variable: 'DISCORD_TOKEN' },
      { bot: 'slack', variable: 'SLACK_BOT_TOKEN' },
    ]);
    expect(config.downloadTimeoutMs).toBe(15_000);
    expect(config.minConfidence).toBe(0.3);
  });

  it('treats empty variables as unset', () => {
    expect(loadBotConfig({ DISCORD_TOKEN: '', SLACK_BOT_TOKEN: '  ', DISCORD_GUILD_ID: '' }).disabled).toHaveLength(2);
  });

  it('defaults Discord URLs and file hosts', () => {
    expect(loadBotConfig({ DISCORD_TOKEN: 'abc', DISCORD_GUILD_ID: '123456789012345678' }).discord).toEqual({
      token: 'abc',
      applicationId: null,
      guildId: '123456789012345678',
      apiUrl: 'https://discord.com/api',
      fileOrigins: ['https://cdn.discordapp.com', 'https://media.discordapp.net'],
    });
  });

  it('reads Slack HTTP mode settings', () => {
    const config = loadBotConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: 'http://127.0.0.1:4000/api', SLACK_FILE_ORIGINS: 'http://127.0.0.1:4000/files, http://localhost:4001' });
    expect(config.slack).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'secret',
      appToken: null,
      apiUrl: 'http://127.0.0.1:4000/api/',
      fileOrigins: ['http://127.0.0.1:4000', 'http://localhost:4001'],
    });
    expect(config.disabled).toEqual([{ bot: 'discord', variable: 'DISCORD_TOKEN' }]);
  });

  it('allows Socket Mode without a secret', () => {
    expect(loadBotConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack?.appToken).toBe('xapp-1');
  });

  it('names the missing signing secret', () => {
    expect(configError({ SLACK_BOT_TOKEN: 'xoxb-1' })).toContain('SLACK_SIGNING_SECRET is missing');
  });

  it('names the missing bot token', () => {
    expect(configError({ SLACK_SIGNING_SECRET: 'secret' })).toContain('SLACK_BOT_TOKEN is missing');
  });

  it('names each invalid variable', () => {
    const message = configError({ SLACK_BOT_TOKEN: 'xoxp-user-token', DISCORD_GUILD_ID: 'general', DISCORD_API_URL: 'discord.com', SNAPCLASS_BOT_DOWNLOAD_TIMEOUT_MS: '5' });
    expect(message).toContain('SLACK_BOT_TOKEN: must be a bot token starting with xoxb-');
    expect(message).toContain('DISCORD_GUILD_ID: must be a Discord id of 17 to 20 digits');
    expect(message).toContain('DISCORD_API_URL: must be an http or https URL');
    expect(message).toContain('SNAPCLASS_BOT_DOWNLOAD_TIMEOUT_MS');
    expect(message).not.toContain('xoxp-user-token');
  });
});
