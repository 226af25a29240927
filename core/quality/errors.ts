import { SnapclassError } from '../errors.js';

/** Base class of the errors raised while measuring or optimizing a model's quality. */
export class QualityError extends SnapclassError {}

/** An option of a quality check (epsilon, severity, sample size, image shape) is out of range. */
export class InvalidQualityOptionError extends QualityError {
  constructor(message: string) {
    super('invalid_quality_option', message);
  }
}

/** The model has a structure that a quality check cannot work with. */
export class UnsupportedModelError extends QualityError {
  constructor(message: string) {
    super('unsupported_model', message);
  }
}
