import { SnapclassError } from '../errors.js';

/**
 * A rollout or retraining request that cannot be carried out. Stable codes:
 * `rollout_active` (another rollout is running), `no_active_rollout`, `invalid_rollout`
 * (bad versions, percent or gate settings), `nothing_to_roll_back`, `retraining_data_invalid`.
 */
export class LifecycleError extends SnapclassError {}
