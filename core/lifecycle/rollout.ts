import type { RolloutRow } from '../../db/schema.js';
import { parseGateSettings, type GateSettings } from './gate-settings.js';

/** Kinds of rollout: a shadow gets copies of requests, a canary and an A/B arm serve users. */
export type RolloutKind = RolloutRow['kind'];

/** A rollout with its gate settings parsed. */
export interface Rollout {
  id: number;
  kind: RolloutKind;
  status: RolloutRow['status'];
  /** The production model when the rollout started; arm A of an A/B experiment. */
  productionVersion: string;
  /** The model under test; arm B of an A/B experiment. */
  candidateVersion: string;
  /** Percent of users (0 to 100) that the candidate serves; 0 for a shadow. */
  percent: number;
  gates: GateSettings;
  /** Whether the service promotes or rolls back on its own when the gates decide. */
  automatic: boolean;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  endReason: string | null;
}

/** Converts a stored row, parsing its JSON gate settings. */
export function rolloutFromRow(row: RolloutRow): Rollout {
  return { ...row, gates: parseGateSettings(JSON.parse(row.gates)) };
}

/** Builds a string that changes whenever the routing of the rollout changes, for cheap polling. */
export function routingKey(rollout: Rollout | null): string {
  if (!rollout) return 'none';
  return `${rollout.id}/${rollout.status}/${rollout.kind}/${rollout.productionVersion}/${rollout.candidateVersion}/${rollout.percent}`;
}
