import type { RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import type { BotConfig } from './config.js';
import { createDiscordBot, type DiscordBot } from './discord/discord-bot.js';
import type { BotServices } from './shared/bot-services.js';
import { createSlackBot, type SlackBot } from './slack/slack-bot.js';

/** The bots that are running, and how to stop them. */
export interface RunningBots {
  discord: DiscordBot | null;
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
 * and which variable enables it. A bot that fails to start is stopped with the others.
 *
 * @throws the first start error, such as a rejected token.
 */
export async function startBots(args: StartBotsArgs): Promise<RunningBots> {
  const { config, services, logger } = args;
  for (const { bot, variable } of config.disabled) {
    logger.info({ bot, variable }, `${bot} bot disabled: set ${variable} to enable it`);
  }

  const discord = config.discord ? createDiscordBot({ config: config.discord, services, logger }) : null;
  const slack = config.slack ? createSlackBot({ config: config.slack, services, logger }) : null;
  if (slack?.router && !args.slackRouter) {
    logger.warn('the Slack bot receives HTTP events, but no HTTP server mounts its router: events will not arrive');
  }
  args.slackRouter?.attach(slack?.router ?? null);

  const stop = async () => {
    args.slackRouter?.attach(null);
    await Promise.allSettled([discord?.stop(), slack?.stop()]);
  };
  try {
    await Promise.all([discord?.start(), slack?.start()]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { discord, slack, stop };
}
