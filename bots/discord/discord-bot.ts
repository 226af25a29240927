import {
  Client,
  Events,
  GatewayIntentBits,
  Partials,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { SnapclassError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { describeAcceptedFormats } from '../../core/chat/file-check.js';
import { parseDiscordReaction } from '../../core/chat/reaction-meaning.js';
import type { DiscordBotConfig } from '../config.js';
import { applyReaction } from '../shared/apply-reaction.js';
import type { BotServices } from '../shared/bot-services.js';
import { maskSecrets, toSafeErrorLog } from '../shared/safe-error.js';
import { answerDiscordFile } from './answer-file.js';
import { FEEDBACK_STATS_COMMAND, PREDICT_COMMAND } from './commands.js';
import { renderFeedbackStats } from './render-answer.js';
import { sendWithRetry } from './send-with-retry.js';

/** Options for {@link createDiscordBot}. */
export interface DiscordBotArgs {
  config: DiscordBotConfig;
  services: BotServices;
  logger: Logger;
  /** Time for login and the gateway's READY and guilds, in ms; defaults to 60,000. */
  startTimeoutMs?: number;
  /** Time to wait for the gateway connection to close on stop, in ms; defaults to 5,000. */
  stopTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/** A Discord bot that is built but not yet connected. */
export interface DiscordBot {
  client: Client;
  /** Logs in and resolves once the gateway session is ready. */
  start(): Promise<void>;
  /** Closes the gateway connection. */
  stop(): Promise<void>;
}

/**
 * Builds the Discord bot: `/predict` and `/feedback-stats`, mentions with image attachments, and
 * reactions on its answers as feedback. It needs no privileged intent, because Discord sends a
 * message's attachments to a bot that the message mentions.
 */
export function createDiscordBot(args: DiscordBotArgs): DiscordBot {
  const logger = args.logger.child({ component: 'discord-bot' });
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.DirectMessages,
      GatewayIntentBits.DirectMessageReactions,
    ],
    // Partials let reactions on messages from before a restart (not in the cache) reach the handlers.
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    rest: { api: args.config.apiUrl },
    allowedMentions: { parse: [], repliedUser: false },
  });
  const context = { ...args, logger, client };

  client.on(Events.InteractionCreate, (interaction) => void runSafely(logger, 'interaction', () => onInteraction(context, interaction)));
  client.on(Events.MessageCreate, (message) => void runSafely(logger, 'message', () => onMessage(context, message)));
  client.on(Events.MessageReactionAdd, (reaction, user) => void runSafely(logger, 'reaction add', () => onReaction(context, reaction, user, true)));
  client.on(Events.MessageReactionRemove, (reaction, user) => void runSafely(logger, 'reaction remove', () => onReaction(context, reaction, user, false)));
  let stopping = false;
  watchConnection(client, logger, () => stopping);

  return {
    client,
    async start() {
      const timeout = AbortSignal.timeout(args.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      const ready = once(client, Events.ClientReady, { signal: timeout });
      // A failed login rejects first; the ready promise must not become an unhandled rejection then.
      ready.catch(() => undefined);
      try {
        await Promise.race([client.login(args.config.token).then(() => ready), rejectWhenAborted(timeout)]);
      } catch (error) {
        if (!timeout.aborted) throw error;
        throw new SnapclassError(
          'discord_start_timeout',
          `The Discord gateway did not become ready within ${args.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms. Check DISCORD_API_URL and the network.`,
          { cause: error },
        );
      }
      logger.info({ botUserId: client.user?.id, guilds: client.guilds.cache.size }, 'Discord bot ready');
    },
    async stop() {
      stopping = true;
      // NOTE: with @discordjs/ws 1.2.3, destroying a shard that still waits for the gateway's
      // HELLO never resolves and the shard reconnects; the wait is bounded so shutdown goes on.
      const stopTimeoutMs = args.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
      const closed = await Promise.race([client.destroy().then(() => true), sleep(stopTimeoutMs, false, { ref: false })]);
      if (closed) logger.info('Discord bot stopped');
      else logger.warn({ stopTimeoutMs }, 'Discord client did not close in time: stopped waiting for it');
    },
  };
}

type BotContext = DiscordBotArgs & { client: Client };

async function onInteraction(context: BotContext, interaction: Interaction): Promise<void> {
  if (!interaction.isChatInputCommand()) return;
  if (interaction.commandName === PREDICT_COMMAND) return onPredictCommand(context, interaction);
  if (interaction.commandName === FEEDBACK_STATS_COMMAND) return onFeedbackStatsCommand(context, interaction);
}

async function onPredictCommand(context: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  // Discord drops an interaction that is not acknowledged within 3 s, so defer before downloading.
  await interaction.deferReply();
  const attachment = interaction.options.getAttachment('image', true);

  await answerDiscordFile({
    ...context,
    requestKey: `interaction/${interaction.id}`,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    attachment,
    post: async (reply) => {
      const message = await sendWithRetry(
        () => interaction.editReply('embed' in reply ? { embeds: [reply.embed] } : { content: reply.text }),
        context.logger,
        { operation: 'edit interaction reply', interactionId: interaction.id, channelId: interaction.channelId },
      );
      return { id: message.id, channelId: message.channelId };
    },
  });
}

async function onFeedbackStatsCommand(context: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  const model = context.services.predictions.model;
  const content = model
    ? renderFeedbackStats(context.services.chat.feedbackStats(model.metadata.version))
    : 'No model is loaded yet, so there are no statistics. Try again in a minute.';
  await sendWithRetry(() => interaction.reply({ content }), context.logger, { operation: 'reply', interactionId: interaction.id });
}

async function onMessage(context: BotContext, message: Message): Promise<void> {
  const { client, logger } = context;
  if (message.author.bot || !client.user) return;
  const isDirect = message.guildId === null;
  if (!isDirect && !message.mentions.users.has(client.user.id)) return;

  if (message.attachments.size === 0) {
    const text = `Attach a ${describeAcceptedFormats()} image to a message that mentions me, or use /predict, and I will classify it.`;
    await sendWithRetry(() => message.reply({ content: text }), logger, { operation: 'reply', channelId: message.channelId, messageId: message.id });
    return;
  }

  // One answer per image, in the order the user attached them.
  for (const attachment of message.attachments.values()) {
    await answerDiscordFile({
      ...context,
      requestKey: `message/${message.id}/${attachment.id}`,
      channelId: message.channelId,
      userId: message.author.id,
      attachment,
      post: async (reply) => {
        const posted = await sendWithRetry(
          () => message.reply('embed' in reply ? { embeds: [reply.embed] } : { content: reply.text }),
          logger,
          { operation: 'reply', channelId: message.channelId, messageId: message.id, attachmentId: attachment.id },
        );
        return { id: posted.id, channelId: posted.channelId };
      },
    });
  }
}

async function onReaction(
  context: BotContext,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  added: boolean,
): Promise<void> {
  const { client, logger } = context;
  if (user.id === client.user?.id) return;
  // A reaction added in a guild carries its member, so `bot` is known; for a DM the user may be
  // partial and is fetched. Removals skip the check: bots never have feedback to withdraw.
  if (added && user.partial) user = await user.fetch();
  if (user.bot) return;

  const emoji = reaction.emoji.id ? null : reaction.emoji.name;
  const effect = applyReaction(
    context.services,
    {
      platform: 'discord',
      channelId: reaction.message.channelId,
      messageId: reaction.message.id,
      userId: user.id,
      meaning: parseDiscordReaction(emoji),
      added,
    },
    logger,
  );
  if (effect !== 'ignored') logger.info({ channelId: reaction.message.channelId, messageId: reaction.message.id, emoji, effect }, 'reaction applied');
}

function rejectWhenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** Runs an event handler and logs its error, so one failing event never stops the bot. */
async function runSafely(logger: Logger, event: string, handler: () => Promise<void>): Promise<void> {
  try {
    await handler();
  } catch (error) {
    logger.error({ event, error: toSafeErrorLog(error) }, 'Discord event handler failed');
  }
}

/** Logs gateway drops, reconnects and REST rate limits; discord.js itself reconnects and waits. */
function watchConnection(client: Client, logger: Logger, isStopping: () => boolean): void {
  // Closing the client on purpose emits the same events; they are logged only while running.
  client.on(Events.ShardDisconnect, (event, shardId) => {
    if (!isStopping()) logger.warn({ shardId, closeCode: event.code }, 'Discord gateway closed for good');
  });
  client.on(Events.ShardReconnecting, (shardId) => {
    if (!isStopping()) logger.warn({ shardId }, 'Discord gateway connection dropped: reconnecting');
  });
  client.on(Events.ShardResume, (shardId, replayedEvents) => logger.info({ shardId, replayedEvents }, 'Discord gateway session resumed'));
  client.on(Events.ShardError, (error, shardId) => logger.error({ shardId, error: toSafeErrorLog(error) }, 'Discord gateway error'));
  client.on(Events.Error, (error) => logger.error({ error: toSafeErrorLog(error) }, 'Discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: message }, 'Discord client warning'));
  client.rest.on('rateLimited', (info) =>
    logger.warn(
      { method: info.method, route: info.route, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope },
      'Discord rate limit reached: waiting before sending',
    ),
  );
  // discord.js retries 429 and 5xx responses itself; this logs each one with the request's ids.
  client.rest.on('response', (request, response) => {
    if (response.status !== 429 && response.status < 500) return;
    logger.warn(
      {
        method: request.method,
        route: request.route,
        path: maskSecrets(request.path),
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        retries: request.retries,
      },
      response.status === 429 ? 'Discord rate limit hit: waiting before retrying' : 'Discord server error: retrying',
    );
  });
}
