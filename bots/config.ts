import { z } from 'zod';
import { DEFAULT_MIN_CONFIDENCE } from '../core/chat/answer-content.js';
import { ConfigError } from '../core/errors.js';

/** Discord's file hosts: attachments are served from the CDN and its media proxy. */
export const DEFAULT_DISCORD_FILE_ORIGINS = ['https://cdn.discordapp.com', 'https://media.discordapp.net'];
/** Slack serves `url_private` downloads from this host. */
export const DEFAULT_SLACK_FILE_ORIGINS = ['https://files.slack.com'];

/** Settings of the Discord bot. */
export interface DiscordBotConfig {
  token: string;
  /** Needed to register slash commands; the running bot learns it at login. */
  applicationId: string | null;
  /** Guild for slash command registration; null registers them globally. */
  guildId: string | null;
  /** REST base URL without the version, such as `https://discord.com/api`. */
  apiUrl: string;
  fileOrigins: string[];
}

/** Settings of the Slack bot. */
export interface SlackBotConfig {
  botToken: string;
  /** Verifies HTTP events; null in Socket Mode. */
  signingSecret: string | null;
  /** App-level token; when set, the bot connects in Socket Mode instead of receiving HTTP events. */
  appToken: string | null;
  /** Web API base URL ending in `/`, such as `https://slack.com/api/`. */
  apiUrl: string;
  fileOrigins: string[];
}

/** Validated settings of both bots; a bot whose credentials are missing is null. */
export interface BotConfig {
  discord: DiscordBotConfig | null;
  slack: SlackBotConfig | null;
  /** Time limit for one file download attempt, in ms. */
  downloadTimeoutMs: number;
  /** Confidence floor below which answers lead with an out-of-domain notice. */
  minConfidence: number;
  /** Each disabled bot and the variable that would enable it. */
  disabled: { bot: 'discord' | 'slack'; variable: string }[];
}

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id of 17 to 20 digits');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });
const origins = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(httpUrl.transform((url) => new URL(url).origin)).min(1, 'must list at least one origin'));

const environmentSchema = z.object({
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: snowflake.optional(),
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  DISCORD_FILE_ORIGINS: origins.optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional(),
  SLACK_API_URL: httpUrl.default('https://slack.com/api/'),
  SLACK_FILE_ORIGINS: origins.optional(),
  SNAPCLASS_BOT_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  SNAPCLASS_BOT_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(DEFAULT_MIN_CONFIDENCE),
});

/**
 * Reads the bots' settings from environment variables. Empty variables count as unset. A bot is
 * enabled by its token (`DISCORD_TOKEN`, `SLACK_BOT_TOKEN`); the Slack bot then also needs
 * `SLACK_SIGNING_SECRET`, unless `SLACK_APP_TOKEN` selects Socket Mode.
 *
 * @throws ConfigError naming every invalid or missing variable.
 */
export function loadBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const faults = result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw new ConfigError(`Invalid bot configuration: ${faults.join('; ')}. Fix the variable or unset it (see docs/bots.md).`);
  }
  const values = result.data;

  const faults: string[] = [];
  if (!values.SLACK_BOT_TOKEN && (values.SLACK_SIGNING_SECRET || values.SLACK_APP_TOKEN)) {
    faults.push('SLACK_BOT_TOKEN is missing, but SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set: set the bot token (xoxb-...) too');
  }
  if (values.SLACK_BOT_TOKEN && !values.SLACK_SIGNING_SECRET && !values.SLACK_APP_TOKEN) {
    faults.push('SLACK_SIGNING_SECRET is missing: set it to verify HTTP events, or set SLACK_APP_TOKEN for Socket Mode');
  }
  if (faults.length > 0) throw new ConfigError(`Invalid bot configuration: ${faults.join('; ')}. See docs/bots.md.`);

  const disabled: BotConfig['disabled'] = [];
  if (!values.DISCORD_TOKEN) disabled.push({ bot: 'discord', variable: 'DISCORD_TOKEN' });
  if (!values.SLACK_BOT_TOKEN) disabled.push({ bot: 'slack', variable: 'SLACK_BOT_TOKEN' });

  return {
    discord: values.DISCORD_TOKEN
      ? {
          token: values.DISCORD_TOKEN,
          applicationId: values.DISCORD_APPLICATION_ID ?? null,
          guildId: values.DISCORD_GUILD_ID ?? null,
          apiUrl: values.DISCORD_API_URL.replace(/\/+$/, ''),
          fileOrigins: values.DISCORD_FILE_ORIGINS ?? DEFAULT_DISCORD_FILE_ORIGINS,
        }
      : null,
    slack: values.SLACK_BOT_TOKEN
      ? {
          botToken: values.SLACK_BOT_TOKEN,
          signingSecret: values.SLACK_SIGNING_SECRET ?? null,
          appToken: values.SLACK_APP_TOKEN ?? null,
          apiUrl: values.SLACK_API_URL.endsWith('/') ? values.SLACK_API_URL : `${values.SLACK_API_URL}/`,
          fileOrigins: values.SLACK_FILE_ORIGINS ?? DEFAULT_SLACK_FILE_ORIGINS,
        }
      : null,
    downloadTimeoutMs: values.SNAPCLASS_BOT_DOWNLOAD_TIMEOUT_MS,
    minConfidence: values.SNAPCLASS_BOT_MIN_CONFIDENCE,
    disabled,
  };
}
