import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DEFAULT_DRIFT_THRESHOLDS, DEFAULT_MINIMUM_SAMPLES, type DriftThresholds, type MinimumSamples } from './drift-thresholds.js';

/** Settings of the drift monitor inside the service. */
export interface MonitoringConfig {
  /** False turns monitoring off: no windows, no out-of-distribution flags. */
  enabled: boolean;
  /** A window closes after this many predictions... */
  windowSize: number;
  /** ...or this many seconds after its first prediction, whichever comes first. */
  windowSeconds: number;
  /** How often new predictions are read, in milliseconds. */
  pollIntervalMs: number;
  /** Alerts are also posted here as JSON when set. */
  webhookUrl: string | null;
  /** Folder of the training data, for building baselines; found the usual way when undefined. */
  dataDir: string | undefined;
  thresholds: DriftThresholds;
  minimumSamples: MinimumSamples;
  /** Permutations of the MMD test per window. */
  mmdPermutations: number;
}

function integer(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const environmentSchema = z.object({
  SNAPCLASS_MONITORING: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  SNAPCLASS_MONITOR_WINDOW_SIZE: integer(10, 100_000).default(250),
  SNAPCLASS_MONITOR_WINDOW_SECONDS: integer(1, 7 * 24 * 3600).default(300),
  SNAPCLASS_MONITOR_POLL_MS: integer(50, 600_000).default(1000),
  SNAPCLASS_ALERT_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .optional(),
  SNAPCLASS_DATA_DIR: z.string().min(1).optional(),
});

/** The monitoring settings with every default. */
export const DEFAULT_MONITORING_CONFIG: MonitoringConfig = {
  enabled: true,
  windowSize: 250,
  windowSeconds: 300,
  pollIntervalMs: 1000,
  webhookUrl: null,
  dataDir: undefined,
  thresholds: DEFAULT_DRIFT_THRESHOLDS,
  minimumSamples: DEFAULT_MINIMUM_SAMPLES,
  mmdPermutations: 2000,
};

/**
 * Reads the monitoring settings from environment variables: `SNAPCLASS_MONITORING` (on, off),
 * `SNAPCLASS_MONITOR_WINDOW_SIZE` (predictions), `SNAPCLASS_MONITOR_WINDOW_SECONDS`,
 * `SNAPCLASS_MONITOR_POLL_MS`, `SNAPCLASS_ALERT_WEBHOOK_URL` and `SNAPCLASS_DATA_DIR`.
 *
 * @throws ConfigError naming each invalid variable and what it accepts.
 */
export function loadMonitoringConfig(env: NodeJS.ProcessEnv = process.env): MonitoringConfig {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const faults = result.error.issues.map((issue) => `${String(issue.path[0])}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`);
    throw new ConfigError(`Invalid monitoring configuration: ${faults.join('; ')}. Fix the variable or unset it to use the default (see docs/monitoring.md).`);
  }
  const values = result.data;
  return {
    ...DEFAULT_MONITORING_CONFIG,
    enabled: values.SNAPCLASS_MONITORING === 'on',
    windowSize: values.SNAPCLASS_MONITOR_WINDOW_SIZE,
    windowSeconds: values.SNAPCLASS_MONITOR_WINDOW_SECONDS,
    pollIntervalMs: values.SNAPCLASS_MONITOR_POLL_MS,
    webhookUrl: values.SNAPCLASS_ALERT_WEBHOOK_URL ?? null,
    dataDir: values.SNAPCLASS_DATA_DIR,
  };
}
