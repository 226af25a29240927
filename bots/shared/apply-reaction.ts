import type { Logger } from '../../core/logger.js';
import { feedbackForReaction, isFeedbackOfReaction } from '../../core/chat/reaction-feedback.js';
import type { ReactionMeaning } from '../../core/chat/reaction-meaning.js';
import type { BotServices } from './bot-services.js';
import type { ChatPlatform } from './chat-store.js';

/** One reaction added to or removed from a message. */
export interface ReactionChange {
  platform: ChatPlatform;
  channelId: string;
  messageId: string;
  /** The reacting user's platform id; stored only as a salted hash. */
  userId: string;
  /** Null for emoji that carry no feedback. */
  meaning: ReactionMeaning | null;
  added: boolean;
}

/** The effect of a reaction: feedback stored, feedback withdrawn, or nothing. */
export type ReactionEffect = 'recorded' | 'withdrawn' | 'ignored';

/**
 * Records or withdraws the feedback a reaction carries, when the message is one of the bot's
 * answers. Reactions by bots must be filtered out by the caller, which knows the platform's
 * user flags. Removing a reaction withdraws the user's feedback only when that reaction recorded it.
 *
 * @throws DatabaseError when the feedback cannot be stored.
 */
export function applyReaction(services: BotServices, change: ReactionChange, logger: Logger): ReactionEffect {
  const context = { platform: change.platform, channelId: change.channelId, messageId: change.messageId, added: change.added };
  if (!change.meaning) return 'ignored';

  const predictionId = services.chat.findPredictionForMessage(change.platform, change.channelId, change.messageId);
  if (!predictionId) return 'ignored';
  const prediction = services.store.getPrediction(predictionId);
  if (!prediction) return 'ignored';
  const classNames = services.classNamesFor(prediction.modelVersion);

  if (change.added) {
    const wanted = feedbackForReaction(change.meaning, prediction, classNames);
    if (!wanted) {
      logger.info({ ...context, predictionId, meaning: change.meaning }, 'reaction names no class of the model: ignored');
      return 'ignored';
    }
    services.feedback.record({ predictionId, verdict: wanted.verdict, label: wanted.label, source: change.platform, userId: change.userId });
    return 'recorded';
  }

  const userHash = services.predictions.hashUser(change.userId);
  const stored = services.store.listFeedback(predictionId).find((row) => row.userHash === userHash);
  if (!stored || !isFeedbackOfReaction(stored, change.meaning, prediction, classNames)) return 'ignored';
  services.feedback.withdraw(predictionId, change.userId);
  return 'withdrawn';
}
