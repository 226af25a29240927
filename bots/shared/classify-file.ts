import { SnapclassError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { buildChatAnswer, type ChatAnswer } from '../../core/chat/answer-content.js';
import { checkDeclaredFile, type DeclaredFile } from '../../core/chat/file-check.js';
import { describeRejection } from '../../core/chat/rejection-reply.js';
import type { PredictionResult } from '../../core/serving/prediction-service.js';
import type { BotServices } from './bot-services.js';
import type { ChatPlatform } from './chat-store.js';
import { toSafeErrorLog } from './safe-error.js';

/** The result of classifying one posted file: an answer, or a short reply saying why not. */
export type FileOutcome =
  | { kind: 'answer'; answer: ChatAnswer; prediction: PredictionResult }
  | { kind: 'rejected'; code: string; text: string };

/** Options for {@link classifyChatFile}. */
export interface ClassifyChatFileArgs {
  services: BotServices;
  platform: ChatPlatform;
  /** The platform user id; stored only as a salted hash. */
  userId: string;
  file: DeclaredFile;
  /** Downloads the file; throws DownloadError (or another SnapclassError) with a reply code. */
  fetchBytes(): Promise<Uint8Array>;
  logger: Logger;
  /** Ids for log lines: channel, message and file ids. */
  context: Record<string, unknown>;
}

/**
 * Classifies one file a user posted: checks its declared type and size, downloads it, and runs
 * the prediction service. Never throws: every failure becomes a `rejected` outcome with a
 * friendly reply, and failures that are not the user's input are logged as errors.
 */
export async function classifyChatFile(args: ClassifyChatFileArgs): Promise<FileOutcome> {
  const { services, file, logger, context } = args;
  const reject = (code: string): FileOutcome => ({
    kind: 'rejected',
    code,
    text: describeRejection(code, { fileName: file.name, maxBytes: services.maxFileBytes }),
  });

  const problem = checkDeclaredFile(file, services.maxFileBytes);
  if (problem) {
    logger.info({ ...context, code: problem, contentType: file.contentType, size: file.size }, 'file rejected before download');
    return reject(problem);
  }

  try {
    const bytes = await args.fetchBytes();
    const prediction = await services.predictions.predict({ image: bytes, source: args.platform, userId: args.userId });
    const answer = buildChatAnswer(prediction, {
      classNames: services.classNamesFor(prediction.modelVersion),
      minConfidence: services.minConfidence,
    });
    logger.info({ ...context, predictionId: prediction.id, label: prediction.label, modelVersion: prediction.modelVersion }, 'file classified');
    return { kind: 'answer', answer, prediction };
  } catch (error) {
    if (error instanceof SnapclassError && isUserFacing(error.code)) {
      logger.info({ ...context, code: error.code, reason: error.message }, 'file rejected');
      return reject(error.code);
    }
    logger.error({ ...context, error: toSafeErrorLog(error) }, 'classifying a chat file failed');
    return reject(error instanceof SnapclassError ? error.code : 'internal_error');
  }
}

// Codes caused by the file itself or by the platform's settings; the rest are faults on our side.
const USER_FACING_CODES = new Set([
  'empty_input',
  'undecodable_image',
  'unsupported_media_type',
  'input_too_large',
  'too_many_pixels',
  'not_an_image',
  'file_too_large',
  'missing_files_scope',
]);

function isUserFacing(code: string): boolean {
  return USER_FACING_CODES.has(code);
}
