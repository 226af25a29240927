import { SnapclassError } from '../errors.js';

/** A model version, its files or the production pointer is missing or unusable. */
export class RegistryError extends SnapclassError {}

/** Raised when a version is not in the registry. Front ends answer 404. */
export class ModelNotFoundError extends RegistryError {
  constructor(version: string, root: string) {
    super(
      'model_not_found',
      `Model version "${version}" is not in the registry at ${root}. ` +
        'Run `npm run models -- list` to see the versions.',
    );
  }
}
