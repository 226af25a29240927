import type { RequestHandler, Response } from 'express';
import { SnapclassError } from '../../core/errors.js';

/**
 * Sends 504 `request_timeout` when a request has no response within `limitMs`, and
 * aborts the signal that {@link requestSignal} returns, so a prediction still waiting for its
 * batch is dropped instead of stored.
 */
export function requestTimeout(limitMs: number): RequestHandler {
  return (_request, response, next) => {
    const controller = new AbortController();
    response.locals.abortController = controller;

    const timer = setTimeout(() => {
      const error = new SnapclassError('request_timeout', `The request took longer than the limit of ${limitMs} ms. Retry later.`);
      controller.abort(error);
      if (response.headersSent) return;
      response.status(504).json({ error: { code: error.code, message: error.message } });
    }, limitMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    response.on('finish', stop);
    response.on('close', stop);
    next();
  };
}

/** Returns the signal that aborts when the request times out. */
export function requestSignal(response: Response): AbortSignal | undefined {
  return (response.locals.abortController as AbortController | undefined)?.signal;
}
