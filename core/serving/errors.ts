import { SnapclassError } from '../errors.js';

/**
 * A request's image or pixels cannot be used. `code` is stable; the API maps it to a status:
 * `empty_input`, `undecodable_image` and `wrong_pixel_count` are 400,
 * `input_too_large` and `too_many_pixels` 413, `unsupported_media_type` 415.
 */
export class InputError extends SnapclassError {}

/** No model is loaded yet, so predictions cannot be served. The API responds with 503. */
export class ModelNotReadyError extends SnapclassError {
  constructor() {
    super('model_not_ready', 'No model is loaded yet. Retry in a few seconds, or check /readyz.');
  }
}

/**
 * The caller aborted a prediction (the API does so when a request times out) before its row was
 * stored, so no row exists for it. The API responds with 504.
 */
export class PredictionAbortedError extends SnapclassError {
  constructor(reason?: unknown) {
    super('prediction_aborted', 'The prediction was aborted before it was stored, because the request timed out. Retry later.', { cause: reason });
  }
}

/** The model worker thread failed on a batch or exited before it replied. The API responds with 503. */
export class ModelWorkerError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_worker_failed', message, options);
  }
}
