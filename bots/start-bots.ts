import type { RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import type { BotConfig } from './config.js';
import { createDiscordBot, type DiscordBot } from './discord/discord-bot.js';
import type { BotServices } from './shared/bot-services.js';
import { toSafeErrorLog } from './shared/safe-error.js';
import { createSlackBot, type SlackBot } from './slack/slack-bot.js';

/** The bots that are running, and how to stop them. */
export interface RunningBots {
  /** Null when disabled or failed to start. */
  discord: DiscordBot | null;
  /** Null when disabled or failed to start. */
  slack: SlackBot | null;
  stop(): Promise<void>;
}

/**
 * Routes `POST /slack/events` to a Slack bot that is attached later, because the HTTP server
 * must be built before the services the bot needs exist. Until then requests fall through to
 * the server's 404.
 */
export class DeferredSlackRouter {
  private handler: RequestHandler | null = null;

  /** The handler to mount on the HTTP server. */
  readonly router: RequestHandler = (request, response, next) => {
    if (this.handler) return this.handler(request, response, next);
    next();
  };

  attach(handler: RequestHandler | null): void {
    this.handler = handler;
  }
}

/** Options for {@link startBots}. */
export interface StartBotsArgs {
  config: BotConfig;
  services: BotServices;
  logger: Logger;
  /** Receives the Slack events router in HTTP mode. */
  slackRouter?: DeferredSlackRouter;
}

/**
 * Starts each bot whose credentials are set and logs, for each other one, that it is disabled
 * and which variable enables it. A bot that fails to start, such as on a rejected token, is
 * logged and left out, so the other bot and the API keep running.
 */
export async function startBots(args: StartBotsArgs): Promise<RunningBots> {
  const { config, services, logger } = args;
  for (const { bot, variable } of config.disabled) {
    logger.info({ bot, variable }, `${bot} bot disabled: set ${variable} to enable it`);
  }

  let discord = config.discord ? createDiscordBot({ config: config.discord, services, logger }) : null;
  let slack = config.slack ? createSlackBot({ config: config.slack, services, logger }) : null;
  if (slack?.router && !args.slackRouter) {
    logger.warn('the Slack bot receives HTTP events, but no HTTP server mounts its router: events will not arrive');
  }

  const [discordStart, slackStart] = await Promise.allSettled([discord?.start(), slack?.start()]);
  if (discordStart.status === 'rejected') {
    logger.error({ bot: 'discord', error: toSafeErrorLog(discordStart.reason) }, 'Discord bot failed to start: check DISCORD_TOKEN and DISCORD_API_URL');
    await discord?.stop().catch(() => undefined);
    discord = null;
  }
  if (slackStart.status === 'rejected') {
    logger.error({ bot: 'slack', error: toSafeErrorLog(slackStart.reason) }, 'Slack bot failed to start: check SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_API_URL');
    await slack?.stop().catch(() => undefined);
    slack = null;
  }
  args.slackRouter?.attach(slack?.router ?? null);

  return {
    discord,
    slack,
    async stop() {
      args.slackRouter?.attach(null);
      await Promise.allSettled([discord?.stop(), slack?.stop()]);
    },
  };
}
