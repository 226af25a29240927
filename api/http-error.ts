import { SnapclassError } from '../core/errors.js';

/** Status for each stable error code that front ends can receive. Unknown codes are 500. */
const STATUS_BY_CODE: Record<string, number> = {
  empty_input: 400,
  undecodable_image: 400,
  wrong_pixel_count: 400,
  invalid_pixel_value: 400,
  invalid_request: 400,
  input_too_large: 413,
  too_many_pixels: 413,
  unsupported_media_type: 415,
  not_found: 404,
  prediction_not_found: 404,
  model_not_found: 404,
  unknown_label: 422,
  model_not_ready: 503,
  no_production_model: 503,
  database_unavailable: 503,
  model_worker_failed: 503,
  request_timeout: 504,
  prediction_aborted: 504,
};

/** Returns the HTTP status for an error's code. */
export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** An error raised by the HTTP layer itself (routing, body parsing). */
export class HttpError extends SnapclassError {}
