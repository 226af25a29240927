import type { ModelRegistry } from '../registry/model-registry.js';
import { LifecycleError } from './errors.js';
import { parseGateSettings } from './gate-settings.js';
import type { Rollout } from './rollout.js';
import type { RolloutStore } from './rollout-store.js';

/** Shared state of the rollout commands: the rollout table and the model registry. */
export interface RolloutCommandContext {
  store: RolloutStore;
  registry: ModelRegistry;
}

/** Options of {@link startCanary}. */
export interface StartCanaryArgs {
  version: string;
  /** Percent of users (above 0, at most 100) that the candidate serves. */
  percent: number;
  /** Gate settings; see {@link parseGateSettings} for fields and defaults. */
  gates?: unknown;
  /** Promote or roll back on the gates' decision without a person; defaults to true. */
  automatic?: boolean;
}

/**
 * Starts a shadow of `version`: it classifies a copy of every production request and never
 * serves users.
 *
 * @throws LifecycleError `invalid_rollout` for an unknown or production version, `rollout_active`
 *   when another rollout runs.
 */
export function startShadow(context: RolloutCommandContext, version: string): Rollout {
  const production = requireCandidate(context, version);
  return context.store.start({ kind: 'shadow', productionVersion: production, candidateVersion: version, percent: 0, gates: parseGateSettings({}), automatic: false });
}

/**
 * Starts a canary of `version` for `percent` percent of users, or changes the percent when a
 * canary of the same version is already active (users already in stay in).
 *
 * @throws LifecycleError `invalid_rollout` for an unknown or production version, a percent
 *   outside (0, 100] or bad gate settings; `rollout_active` when another rollout runs.
 */
export function startCanary(context: RolloutCommandContext, args: StartCanaryArgs): Rollout {
  checkPercent(args.percent, '--percent');
  const active = context.store.active();
  if (active?.kind === 'canary' && active.candidateVersion === args.version) return context.store.setPercent(active.id, args.percent);

  const production = requireCandidate(context, args.version);
  return context.store.start({
    kind: 'canary',
    productionVersion: production,
    candidateVersion: args.version,
    percent: args.percent,
    gates: parseGateSettings(args.gates ?? {}),
    automatic: args.automatic ?? true,
  });
}

/**
 * Starts an A/B experiment: `split` percent of users get B, the others A. Neither arm is
 * promoted automatically; `npm run models -- status` shows the significance test.
 *
 * @throws LifecycleError `invalid_rollout` for unknown or equal versions or a split outside (0, 100).
 */
export function startExperiment(context: RolloutCommandContext, args: { versionA: string; versionB: string; split: number; gates?: unknown }): Rollout {
  if (!(args.split > 0 && args.split < 100)) throw new LifecycleError('invalid_rollout', `--split is ${args.split}; give B's share of users as a number above 0 and below 100, such as 50.`);
  if (args.versionA === args.versionB) throw new LifecycleError('invalid_rollout', `A and B are both ${args.versionA}; an experiment needs two versions.`);
  requireVersion(context, args.versionA);
  requireVersion(context, args.versionB);
  return context.store.start({ kind: 'ab', productionVersion: args.versionA, candidateVersion: args.versionB, percent: args.split, gates: parseGateSettings(args.gates ?? {}), automatic: false });
}

/**
 * Makes `version` production. When it is the candidate of the active rollout, the rollout ends
 * as promoted. Any other active rollout is stopped, because its comparison no longer applies.
 * Returns the previous production version.
 *
 * @throws RegistryError when the version fails the promotion checks; the rollout is left as it was.
 */
export async function promoteVersion(context: RolloutCommandContext, version: string): Promise<string | null> {
  const previous = context.registry.productionVersion();
  await context.registry.promote(version);

  const active = context.store.active();
  if (active && active.candidateVersion === version) {
    context.store.finish(active.id, 'promoted', `${version} promoted to production by hand`, { previousVersion: previous });
  } else {
    if (active) context.store.finish(active.id, 'stopped', `stopped because ${version} was promoted to production by hand`);
    context.store.recordEvent(null, 'production_changed', `${version} promoted to production by hand (was ${previous ?? 'none'})`, { previousVersion: previous, version });
  }
  return previous;
}

/** Outcome of {@link rollBack}. */
export type RollbackResult = { kind: 'rollout'; rollout: Rollout } | { kind: 'production'; from: string; to: string };

/**
 * Ends the active rollout as rolled back, so production serves every user again, and archives
 * its candidate. Without an active rollout, restores the production version that the latest
 * promotion replaced.
 *
 * @throws LifecycleError `nothing_to_roll_back` when no rollout is active and no promotion is logged.
 */
export async function rollBack(context: RolloutCommandContext): Promise<RollbackResult> {
  const active = context.store.active();
  if (active) {
    context.store.finish(active.id, 'rolled_back', `${active.candidateVersion} rolled back by hand`);
    if (active.kind !== 'ab' && active.candidateVersion !== context.registry.productionVersion()) context.registry.archive(active.candidateVersion);
    return { kind: 'rollout', rollout: active };
  }

  const change = context.store.lastProductionChange();
  const previous = typeof change?.details.previousVersion === 'string' ? change.details.previousVersion : null;
  const current = context.registry.productionVersion();
  if (!previous || !current || previous === current) {
    throw new LifecycleError('nothing_to_roll_back', 'No rollout is active and the log has no earlier production version to return to. Promote a version with `npm run models -- promote VERSION`.');
  }
  await context.registry.promote(previous);
  context.store.recordEvent(null, 'production_changed', `rolled back production from ${current} to ${previous}`, { previousVersion: current, version: previous });
  return { kind: 'production', from: current, to: previous };
}

function requireCandidate(context: RolloutCommandContext, version: string): string {
  requireVersion(context, version);
  const production = context.registry.productionVersion();
  if (!production) throw new LifecycleError('invalid_rollout', 'The registry has no production model to compare against. Promote one with `npm run models -- promote VERSION`.');
  if (production === version) throw new LifecycleError('invalid_rollout', `${version} is already the production model; roll out another version.`);
  return production;
}

function requireVersion(context: RolloutCommandContext, version: string): void {
  try {
    context.registry.readMetadata(version);
  } catch (error) {
    throw new LifecycleError('invalid_rollout', `Version ${version} cannot be rolled out: ${(error as Error).message}`, { cause: error });
  }
}

function checkPercent(percent: number, option: string): void {
  if (!(percent > 0 && percent <= 100)) throw new LifecycleError('invalid_rollout', `${option} is ${percent}; give a number above 0 and at most 100.`);
}
