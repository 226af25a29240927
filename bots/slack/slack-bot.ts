import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type AllMiddlewareArgs, type webApi } from '@slack/bolt';
import type { RequestHandler } from 'express';
import type { Logger } from '../../core/logger.js';
import { describeAcceptedFormats } from '../../core/chat/file-check.js';
import { parseSlackReaction } from '../../core/chat/reaction-meaning.js';
import type { SlackBotConfig } from '../config.js';
import { applyReaction, type ReactionEffect } from '../shared/apply-reaction.js';
import type { BotServices } from '../shared/bot-services.js';
import { toSafeErrorLog } from '../shared/safe-error.js';
import { answerSlackFiles, type SlackFile } from './answer-files.js';
import { createBoltLogger } from './bolt-logger.js';

/** The path Slack posts HTTP events and slash commands to, on the service's HTTP server. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Options for {@link createSlackBot}. */
export interface SlackBotArgs {
  config: SlackBotConfig;
  services: BotServices;
  logger: Logger;
}

/** A Slack bot that is built but not yet started. */
export interface SlackBot {
  app: App;
  /**
   * Express router serving `POST /slack/events` with Bolt's signature and timestamp checks;
   * null in Socket Mode. Mount it on the service's HTTP server.
   */
  router: RequestHandler | null;
  /** Checks the bot token (auth.test) and, in Socket Mode, connects. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const HOW_TO_TEXT = `Send me a ${describeAcceptedFormats()} image in a direct message, or mention me in a message with images attached, and I will answer in the thread.`;

/**
 * Builds the Slack bot on Bolt: images in direct messages and app mentions are answered in their
 * thread, reactions on answers become feedback, and `/predict` explains how to send an image.
 * Events are acknowledged before they are processed, and redelivered events are skipped by id.
 */
export function createSlackBot(args: SlackBotArgs): SlackBot {
  const logger = args.logger.child({ component: 'slack-bot' });
  const boltLogger = createBoltLogger(logger);
  const clientOptions = {
    slackApiUrl: args.config.apiUrl,
    // 429 responses are waited out for their Retry-After, and 5xx and network errors back off 0.5 s to 5 s.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000, randomize: true },
    rejectRateLimitedCalls: false,
  };

  // ignoreSelf is off because the handlers filter the bot's own messages and reactions
  // themselves, and log each reaction they skip.
  const common = { token: args.config.botToken, logger: boltLogger, logLevel: LogLevel.INFO, clientOptions, deferInitialization: true, ignoreSelf: false };
  let receiver: ExpressReceiver | null = null;
  let app: App;
  if (args.config.appToken) {
    // Building the receiver here passes SLACK_API_URL on to apps.connections.open, which Bolt's
    // built-in Socket Mode setup would send to slack.com.
    const socketReceiver = new SocketModeReceiver({ appToken: args.config.appToken, logger: boltLogger, logLevel: LogLevel.INFO, installerOptions: { clientOptions } });
    app = new App({ ...common, receiver: socketReceiver });
  } else {
    receiver = new ExpressReceiver({
      signingSecret: args.config.signingSecret ?? '',
      endpoints: SLACK_EVENTS_PATH,
      logger: boltLogger,
      processBeforeResponse: false,
    });
    app = new App({ ...common, receiver });
  }

  registerListeners(app, { ...args, logger });

  return {
    app,
    router: receiver ? receiver.router : null,
    async start() {
      await app.init();
      if (args.config.appToken) await app.start();
      logger.info({ mode: args.config.appToken ? 'socket' : 'http', path: receiver ? SLACK_EVENTS_PATH : undefined }, 'Slack bot ready');
    },
    async stop() {
      if (args.config.appToken) await app.stop();
      logger.info('Slack bot stopped');
    },
  };
}

/** The fields of message and app_mention events that the bot reads. */
interface FileEvent {
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  ts: string;
  thread_ts?: string;
  subtype?: string;
  files?: SlackFile[];
}

function registerListeners(app: App, context: SlackBotArgs): void {
  const { logger, services } = context;
  const botUsers = new Map<string, boolean>();

  // Slack redelivers an event when the ack is late; the event id stays the same across retries.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !services.chat.claimSlackEvent(eventId)) {
      logger.info({ eventId, retry: true }, 'Slack event already handled: skipped');
      return;
    }
    await next();
  });

  const onFiles = async (event: FileEvent, client: webApi.WebClient) => {
    if (!event.user || event.bot_id) return;
    if (!event.files || event.files.length === 0) {
      await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text: HOW_TO_TEXT });
      return;
    }
    await answerSlackFiles({
      ...context,
      client,
      channelId: event.channel,
      messageTs: event.ts,
      threadTs: event.thread_ts,
      userId: event.user,
      files: event.files,
    });
  };

  app.event('app_mention', async ({ event, client }) => onFiles(event as FileEvent, client));
  app.event('message', async ({ event, client }) => {
    const message = event as FileEvent;
    // Channel messages reach the bot as app_mention events; only direct messages are read here.
    if (message.channel_type !== 'im') return;
    if (message.subtype && message.subtype !== 'file_share') return;
    await onFiles(message, client);
  });

  const onReaction = async (args: AllMiddlewareArgs & { event: ReactionEvent }, added: boolean) => {
    const { event, context: boltContext, client } = args;
    const ids = { channelId: event.item.channel, messageTs: event.item.ts, reaction: event.reaction, added };
    let effect: ReactionEffect = 'ignored';
    try {
      if (event.item.type !== 'message' || event.user === boltContext.botUserId) return;
      // Removals skip the bot check: bots never have feedback to withdraw.
      if (added && (await isBotUser(client, event.user, botUsers))) return;

      effect = applyReaction(
        services,
        { platform: 'slack', channelId: event.item.channel, messageId: event.item.ts, userId: event.user, meaning: parseSlackReaction(event.reaction), added },
        logger,
      );
    } finally {
      logger[effect === 'ignored' ? 'debug' : 'info']({ ...ids, effect }, 'reaction handled');
    }
  };
  app.event('reaction_added', async (args) => onReaction(args as AllMiddlewareArgs & { event: ReactionEvent }, true));
  app.event('reaction_removed', async (args) => onReaction(args as AllMiddlewareArgs & { event: ReactionEvent }, false));

  app.command('/predict', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: HOW_TO_TEXT });
  });

  app.error(async (error) => {
    logger.error({ error: toSafeErrorLog(error) }, 'Slack event handler failed');
  });
}

interface ReactionEvent {
  user: string;
  reaction: string;
  item: { type: string; channel: string; ts: string };
}

/** Looks up whether a user is a bot (users.info), caching the result for the process lifetime. */
async function isBotUser(client: webApi.WebClient, userId: string, cache: Map<string, boolean>): Promise<boolean> {
  const cached = cache.get(userId);
  if (cached !== undefined) return cached;
  const info = await client.users.info({ user: userId });
  const isBot = info.user?.is_bot === true || info.user?.id === 'USLACKBOT';
  cache.set(userId, isBot);
  return isBot;
}
