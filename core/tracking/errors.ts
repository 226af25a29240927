import { SnapclassError } from '../errors.js';

/** No tracked run has the requested id. */
export class RunNotFoundError extends SnapclassError {
  constructor(runId: number) {
    super('run_not_found', `Run ${runId} is not in the run store. Run \`npm run runs -- list\` to see the run ids.`);
  }
}
