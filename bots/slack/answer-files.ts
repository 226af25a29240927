import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { SEEDED_SLACK_REACTIONS } from '../../core/chat/reaction-meaning.js';
import type { SlackBotConfig } from '../config.js';
import type { BotServices } from '../shared/bot-services.js';
import { classifyChatFile } from '../shared/classify-file.js';
import { toSafeErrorLog } from '../shared/safe-error.js';
import { downloadSlackFile } from './download-slack-file.js';
import { renderAnswerBlocks } from './render-blocks.js';

/** The fields of a Slack file object that the bot reads; events may carry only `id`. */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

/** Options for {@link answerSlackFiles}. */
export interface AnswerSlackFilesArgs {
  client: webApi.WebClient;
  config: SlackBotConfig;
  services: BotServices;
  logger: Logger;
  channelId: string;
  /** `ts` of the user's message: part of each request key, and the thread to answer in. */
  messageTs: string;
  /** `thread_ts` when the message is itself in a thread. */
  threadTs?: string;
  userId: string;
  files: SlackFile[];
}

/**
 * Answers each file of one Slack message in its thread, once: every file is claimed by
 * `<channel>/<message ts>/<file id>`, so a retried delivery, or the `message` and `app_mention`
 * events of one post, produce one prediction and one answer.
 */
export async function answerSlackFiles(args: AnswerSlackFilesArgs): Promise<void> {
  for (const file of args.files) {
    const requestKey = `${args.channelId}/${args.messageTs}/${file.id}`;
    const context = { platform: 'slack', channelId: args.channelId, messageTs: args.messageTs, fileId: file.id };
    if (!args.services.chat.claimRequest({ platform: 'slack', requestKey, channelId: args.channelId })) {
      args.logger.info(context, 'file already answered: skipped');
      continue;
    }
    try {
      await answerOneFile(args, file, requestKey, context);
    } catch (error) {
      args.services.chat.releaseRequest('slack', requestKey);
      throw error;
    }
  }
}

async function answerOneFile(args: AnswerSlackFilesArgs, listed: SlackFile, requestKey: string, context: Record<string, unknown>): Promise<void> {
  const { client, services, logger } = args;
  const file = listed.url_private ? listed : await fetchFileInfo(client, listed);
  const name = file.name ?? file.title ?? file.id;
  const url = file.url_private_download ?? file.url_private;

  const outcome = await classifyChatFile({
    services,
    platform: 'slack',
    userId: args.userId,
    file: { name, contentType: file.mimetype ?? null, size: file.size ?? null },
    fetchBytes: () =>
      downloadSlackFile({
        config: args.config,
        url: url ?? '',
        maxBytes: services.maxFileBytes,
        timeoutMs: services.downloadTimeoutMs,
        logger,
        context,
      }),
    logger,
    context,
  });

  const thread_ts = args.threadTs ?? args.messageTs;
  if (outcome.kind === 'rejected') {
    const posted = await client.chat.postMessage({ channel: args.channelId, thread_ts, text: outcome.text });
    services.chat.updateRequest('slack', requestKey, { messageId: posted.ts });
    return;
  }

  services.chat.updateRequest('slack', requestKey, { predictionId: outcome.prediction.id });
  const content = renderAnswerBlocks(outcome.answer, name);
  const posted = await client.chat.postMessage({ channel: args.channelId, thread_ts, text: content.text, blocks: content.blocks });
  services.chat.updateRequest('slack', requestKey, { messageId: posted.ts });
  if (posted.ts) await seedReactions(client, args.channelId, posted.ts, logger);
}

async function fetchFileInfo(client: webApi.WebClient, file: SlackFile): Promise<SlackFile> {
  const info = await client.files.info({ file: file.id });
  return { ...file, ...(info.file as SlackFile | undefined) };
}

/** Adds :+1: and :-1: to an answer; a failure is logged, since the answer itself was posted. */
async function seedReactions(client: webApi.WebClient, channel: string, timestamp: string, logger: Logger): Promise<void> {
  for (const name of SEEDED_SLACK_REACTIONS) {
    try {
      await client.reactions.add({ channel, timestamp, name });
    } catch (error) {
      logger.warn({ channelId: channel, messageTs: timestamp, reaction: name, error: toSafeErrorLog(error) }, 'seeding a reaction failed');
    }
  }
}
