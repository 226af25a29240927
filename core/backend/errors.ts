import { SnapclassError } from '../errors.js';

/** A backend that was forced (for example by `SNAPCLASS_BACKEND`) could not be started. */
export class BackendUnavailableError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backend_unavailable', message, options);
  }
}

/**
 * A kernel received attributes that it does not implement, such as the NCHW data format.
 * Raised instead of returning a silently wrong result.
 */
export class UnsupportedKernelAttrError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported_kernel_attr', message, options);
  }
}
