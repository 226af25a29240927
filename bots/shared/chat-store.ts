import { and, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { DatabaseError } from '../../db/errors.js';
import type { DatabaseHandle } from '../../db/open-database.js';
import { chatAnswers, feedback, predictions, slackEvents } from '../../db/schema.js';

export type ChatPlatform = 'discord' | 'slack';

/** Feedback counts for one model version, over every source. */
export interface FeedbackStats {
  modelVersion: string;
  predictions: number;
  feedback: number;
  correct: number;
  incorrect: number;
  /** `correct / feedback`; null without feedback. */
  accuracy: number | null;
}

/** How long handled Slack event ids and unanswered claims are kept, in ms (one day). */
export const EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Reads and writes the bots' tables: which platform message answers which prediction, and which
 * Slack events were handled. Write failures become DatabaseError naming the file.
 */
export class ChatStore {
  constructor(private readonly handle: DatabaseHandle) {}

  /**
   * Claims one requested image before it is classified. Returns false when another delivery of
   * the same event already claimed it, so the caller must not answer again.
   */
  claimRequest(claim: { platform: ChatPlatform; requestKey: string; channelId: string }): boolean {
    const result = this.write(`claim chat request ${claim.requestKey}`, () =>
      this.handle.db
        .insert(chatAnswers)
        .values({ ...claim, createdAt: new Date().toISOString() })
        .onConflictDoNothing()
        .run(),
    );
    return result.changes > 0;
  }

  /** Drops a claim whose answer could not be posted, so a later delivery may try again. */
  releaseRequest(platform: ChatPlatform, requestKey: string): void {
    this.write(`release chat request ${requestKey}`, () =>
      this.handle.db
        .delete(chatAnswers)
        .where(and(eq(chatAnswers.platform, platform), eq(chatAnswers.requestKey, requestKey), isNull(chatAnswers.messageId)))
        .run(),
    );
  }

  /** Stores the prediction and, once posted, the answer message of a claimed request. */
  updateRequest(platform: ChatPlatform, requestKey: string, values: { predictionId?: string; messageId?: string; channelId?: string }): void {
    this.write(`update chat request ${requestKey}`, () =>
      this.handle.db
        .update(chatAnswers)
        .set(values)
        .where(and(eq(chatAnswers.platform, platform), eq(chatAnswers.requestKey, requestKey)))
        .run(),
    );
  }

  /** Returns the prediction id that a bot message answers, or undefined for any other message. */
  findPredictionForMessage(platform: ChatPlatform, channelId: string, messageId: string): string | undefined {
    const row = this.handle.db
      .select({ predictionId: chatAnswers.predictionId })
      .from(chatAnswers)
      .where(
        and(
          eq(chatAnswers.platform, platform),
          eq(chatAnswers.channelId, channelId),
          eq(chatAnswers.messageId, messageId),
          isNotNull(chatAnswers.predictionId),
        ),
      )
      .get();
    return row?.predictionId ?? undefined;
  }

  /**
   * Records a Slack event id; returns false when it was already recorded, so the redelivery is
   * skipped. Ids older than {@link EVENT_RETENTION_MS} are pruned on the way.
   */
  claimSlackEvent(eventId: string, now = new Date()): boolean {
    const cutoff = new Date(now.getTime() - EVENT_RETENTION_MS).toISOString();
    return this.write(`record Slack event ${eventId}`, () =>
      this.handle.sqlite.transaction(() => {
        this.handle.db.delete(slackEvents).where(lt(slackEvents.receivedAt, cutoff)).run();
        this.handle.db
          .delete(chatAnswers)
          .where(and(isNull(chatAnswers.predictionId), lt(chatAnswers.createdAt, cutoff)))
          .run();
        const inserted = this.handle.db.insert(slackEvents).values({ eventId, receivedAt: now.toISOString() }).onConflictDoNothing().run();
        return inserted.changes > 0;
      })(),
    );
  }

  /** Counts predictions and feedback verdicts of one model version. */
  feedbackStats(modelVersion: string): FeedbackStats {
    const predictionCount = this.handle.db
      .select({ count: sql<number>`count(*)` })
      .from(predictions)
      .where(eq(predictions.modelVersion, modelVersion))
      .get();
    const verdicts = this.handle.db
      .select({
        total: sql<number>`count(*)`,
        correct: sql<number>`coalesce(sum(case when ${feedback.verdict} = 'correct' then 1 else 0 end), 0)`,
      })
      .from(feedback)
      .innerJoin(predictions, eq(feedback.predictionId, predictions.id))
      .where(eq(predictions.modelVersion, modelVersion))
      .get();

    const total = verdicts?.total ?? 0;
    const correct = verdicts?.correct ?? 0;
    return {
      modelVersion,
      predictions: predictionCount?.count ?? 0,
      feedback: total,
      correct,
      incorrect: total - correct,
      accuracy: total > 0 ? correct / total : null,
    };
  }

  private write<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new DatabaseError(`Cannot ${action} in ${this.handle.file}: ${(error as Error).message}. Check that the file is writable and the disk has space.`, {
        cause: error,
      });
    }
  }
}
