import { Routes, type Attachment, type Client, type EmbedBuilder } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import { SEEDED_DISCORD_REACTIONS } from '../../core/chat/reaction-meaning.js';
import type { DiscordBotConfig } from '../config.js';
import type { BotServices } from '../shared/bot-services.js';
import { classifyChatFile } from '../shared/classify-file.js';
import { downloadFile } from '../shared/download-file.js';
import { toSafeErrorLog } from '../shared/safe-error.js';
import { renderAnswerEmbed } from './render-answer.js';
import { sendWithRetry } from './send-with-retry.js';

/** The message a bot posted, as far as the answer bookkeeping needs it. */
export interface PostedMessage {
  id: string;
  channelId: string;
}

/** Options for {@link answerDiscordFile}. */
export interface AnswerDiscordFileArgs {
  client: Client;
  config: DiscordBotConfig;
  services: BotServices;
  logger: Logger;
  /** Unique per image, so a repeated event is answered once: `interaction/<id>` or `message/<id>/<attachment id>`. */
  requestKey: string;
  channelId: string;
  userId: string;
  attachment: Attachment;
  /** Posts the answer (an embed, or a text reply for a rejected file) and returns the posted message. */
  post(reply: { embed: EmbedBuilder } | { text: string }): Promise<PostedMessage>;
}

/**
 * Classifies one Discord attachment and posts the answer: an embed seeded with 👍 and 👎 and
 * linked to its prediction, or a short text for a file that is not a usable image. Does nothing
 * when the request was already answered.
 *
 * @throws the platform error when the answer cannot be posted after retries.
 */
export async function answerDiscordFile(args: AnswerDiscordFileArgs): Promise<void> {
  const { services, attachment, logger } = args;
  const context = { platform: 'discord', channelId: args.channelId, requestKey: args.requestKey, attachmentId: attachment.id };
  if (!services.chat.claimRequest({ platform: 'discord', requestKey: args.requestKey, channelId: args.channelId })) {
    logger.info(context, 'request already answered: skipped');
    return;
  }

  try {
    const outcome = await classifyChatFile({
      services,
      platform: 'discord',
      userId: args.userId,
      file: { name: attachment.name, contentType: attachment.contentType, size: attachment.size },
      fetchBytes: async () =>
        (
          await downloadFile({
            url: attachment.url,
            allowedOrigins: args.config.fileOrigins,
            maxBytes: services.maxFileBytes,
            timeoutMs: services.downloadTimeoutMs,
            logger,
            context,
          })
        ).bytes,
      logger,
      context,
    });

    if (outcome.kind === 'rejected') {
      const posted = await args.post({ text: outcome.text });
      services.chat.updateRequest('discord', args.requestKey, { messageId: posted.id, channelId: posted.channelId });
      return;
    }

    services.chat.updateRequest('discord', args.requestKey, { predictionId: outcome.prediction.id });
    const posted = await args.post({ embed: renderAnswerEmbed(outcome.answer, attachment.name) });
    services.chat.updateRequest('discord', args.requestKey, { messageId: posted.id, channelId: posted.channelId });
    await seedReactions(args.client, posted, logger);
  } catch (error) {
    services.chat.releaseRequest('discord', args.requestKey);
    throw error;
  }
}

/** Adds 👍 and 👎 to an answer; a failure is logged, since the answer itself was posted. */
async function seedReactions(client: Client, message: PostedMessage, logger: Logger): Promise<void> {
  for (const emoji of SEEDED_DISCORD_REACTIONS) {
    const context = { operation: 'seed reaction', channelId: message.channelId, messageId: message.id, emoji };
    try {
      await sendWithRetry(() => client.rest.put(Routes.channelMessageOwnReaction(message.channelId, message.id, encodeURIComponent(emoji))), logger, context);
    } catch (error) {
      logger.warn({ ...context, error: toSafeErrorLog(error) }, 'seeding a reaction failed');
    }
  }
}
