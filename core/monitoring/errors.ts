import { SnapclassError } from '../errors.js';

/** Base class of the errors raised by drift monitoring. */
export class MonitoringError extends SnapclassError {}

/** A statistic got input it cannot test: empty samples, mismatched lengths, negative counts. */
export class InvalidSampleError extends MonitoringError {
  constructor(message: string) {
    super('invalid_sample', message);
  }
}

/** A drift schedule (a preset name or a JSON file) is unknown or malformed. */
export class DriftScheduleError extends MonitoringError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_drift_schedule', message, options);
  }
}

/** The monitoring baseline of a model cannot be built or read. */
export class BaselineError extends MonitoringError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('monitoring_baseline_unavailable', message, options);
  }
}
