import { SnapclassError } from '../../errors.js';
import type { ValidationReport } from './validate-dataset.js';

/** The data set has faults above the validation limits; `report` lists every issue. */
export class DataValidationError extends SnapclassError {
  readonly report: ValidationReport;

  constructor(report: ValidationReport) {
    const lines = report.errors.map((issue) => `- ${issue.check}${issue.split ? ` (${issue.split})` : ''}: ${issue.message}`);
    super(
      'data_validation_failed',
      `Data validation found ${report.errors.length} fault(s) above the limits:\n${lines.join('\n')}\n` +
        'Fix the data, or raise the limit of that check (see docs/data-validation.md).',
    );
    this.report = report;
  }
}

/**
 * Throws when the report has errors; returns the warnings otherwise.
 *
 * @throws DataValidationError listing every error of the report.
 */
export function assertValidDataset(report: ValidationReport): ValidationReport['warnings'] {
  if (!report.ok) throw new DataValidationError(report);
  return report.warnings;
}
