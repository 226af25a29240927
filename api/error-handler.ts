import type { ErrorRequestHandler } from 'express';
import multer from 'multer';
import type { Logger } from '../core/logger.js';
import { SnapclassError } from '../core/errors.js';
import { statusForCode } from './http-error.js';

/**
 * Answers every error as JSON `{error: {code, message}}`. Known errors keep their message;
 * anything else is logged with its stack and answered with a generic 500, so internals never
 * reach the client.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const { status, code, message } = describe(error);
    const requestId = response.locals.requestId as string | undefined;

    if (status >= 500) {
      logger.error({ err: error, requestId, method: request.method, url: request.originalUrl, code }, 'request failed');
    } else {
      logger.info({ requestId, code, status, url: request.originalUrl }, 'request rejected');
    }
    if (response.headersSent) return;
    response.status(status).json({ error: { code, message } });
  };
}

function describe(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof SnapclassError) {
    return { status: statusForCode(error.code), code: error.code, message: error.message };
  }
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return { status: 413, code: 'input_too_large', message: 'The upload is over the size limit. Send a smaller image.' };
    }
    return { status: 400, code: 'invalid_request', message: `The multipart upload is invalid (${error.message}). Send the image in the field "image".` };
  }
  const httpError = error as { status?: number; type?: string; expose?: boolean; message?: string };
  if (httpError.type === 'entity.too.large') {
    return { status: 413, code: 'input_too_large', message: 'The request body is over the size limit. Send a smaller image.' };
  }
  if (httpError.type === 'entity.parse.failed') {
    return { status: 400, code: 'invalid_request', message: 'The request body is not valid JSON.' };
  }
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500 && httpError.expose) {
    return { status: httpError.status, code: 'invalid_request', message: httpError.message ?? 'Invalid request.' };
  }
  return { status: 500, code: 'internal_error', message: 'An internal error occurred. The details are in the service log.' };
}
