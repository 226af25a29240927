import type { ErrorRequestHandler } from 'express';
import multer from 'multer';
import type { Logger } from '../core/logger.js';
import { SnapclassError } from '../core/errors.js';
import { statusForCode } from './http-error.js';

/** Codes for the 4xx errors of express's body parsers, by status. */
const CODE_BY_PARSER_STATUS: Record<number, string> = {
  400: 'invalid_request',
  413: 'input_too_large',
  415: 'unsupported_media_type',
};

/**
 * Sends every error as JSON `{error: {code, message}}`. Known errors keep their message.
 * Anything else is logged with its stack and gets a generic 500, so internals never reach the
 * client. An error raised after the response was sent (a request that timed out) is only logged.
 */
export function createErrorHandler(logger: Logger, maxUploadBytes: number): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const { status, code, message } = describe(error, maxUploadBytes);
    const requestId = response.locals.requestId as string | undefined;
    const context = { requestId, method: request.method, url: request.originalUrl, code, status };

    if (response.headersSent) {
      logger.warn({ ...context, err: error }, 'request failed after its response was sent');
      return;
    }
    if (status >= 500) {
      logger.error({ ...context, err: error }, 'request failed');
    } else {
      logger.info(context, 'request rejected');
    }
    response.status(status).json({ error: { code, message } });
  };
}

function describe(error: unknown, maxUploadBytes: number): { status: number; code: string; message: string } {
  if (error instanceof SnapclassError) {
    return { status: statusForCode(error.code), code: error.code, message: error.message };
  }
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return {
        status: 413,
        code: 'input_too_large',
        message: `The uploaded file is over the limit of ${maxUploadBytes} bytes (SNAPCLASS_MAX_UPLOAD_BYTES). Send a smaller image.`,
      };
    }
    return { status: 400, code: 'invalid_request', message: `The multipart upload is invalid (${error.message}). Send one file in the field "image".` };
  }

  const parserError = error as { status?: number; type?: string; expose?: boolean; message?: string; length?: number; limit?: number };
  if (parserError.type === 'entity.too.large') {
    const size = parserError.length === undefined ? 'The request body' : `The request body of ${parserError.length} bytes`;
    return {
      status: 413,
      code: 'input_too_large',
      message: `${size} is over the limit of ${parserError.limit ?? maxUploadBytes} bytes for this endpoint (SNAPCLASS_MAX_UPLOAD_BYTES sets it for images). Send a smaller image.`,
    };
  }
  if (parserError.type === 'entity.parse.failed') {
    return { status: 400, code: 'invalid_request', message: 'The request body is not valid JSON.' };
  }
  const status = parserError.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && parserError.expose) {
    return { status, code: CODE_BY_PARSER_STATUS[status] ?? 'invalid_request', message: parserError.message ?? 'Invalid request.' };
  }
  return { status: 500, code: 'internal_error', message: 'An internal error occurred. The details are in the service log.' };
}
