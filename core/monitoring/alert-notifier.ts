import type { Logger } from '../logger.js';
import type { MonitoringState, WindowSummary } from './summarize-window.js';

/** The JSON body posted to the webhook on a state change. */
export interface AlertPayload {
  event: 'snapclass.monitoring.state_changed';
  previousState: MonitoringState;
  state: MonitoringState;
  modelVersion: string;
  windowId: number;
  window: { startedAt: string; endedAt: string; predictions: number };
  /** The tests that passed their thresholds, with their values. */
  driftedTests: { name: string; statistic: number | null; pValue: number | null; threshold: number }[];
  feedbackAccuracy: number | null;
  estimatedAccuracy: number | null;
}

/** Options for {@link AlertNotifier}. */
export interface AlertNotifierArgs {
  logger: Logger;
  /** Posts each alert here when set. */
  webhookUrl: string | null;
  /** Time allowed for a webhook request, in milliseconds; defaults to 5,000. */
  timeoutMs?: number;
}

/**
 * Reports monitoring state changes: one log line per change (warning level for `warning` and
 * `drift`, info for the return to `ok`) and, when configured, one POST of {@link AlertPayload}
 * to the webhook. A failed webhook call is logged and not retried, so a dead receiver cannot
 * stall monitoring.
 */
export class AlertNotifier {
  private readonly logger: Logger;

  constructor(private readonly args: AlertNotifierArgs) {
    this.logger = args.logger.child({ component: 'alerts' });
  }

  /** Logs and posts one state change. Resolves after the webhook responded, failed or timed out. */
  async notify(previousState: MonitoringState, windowId: number, summary: WindowSummary): Promise<void> {
    const payload: AlertPayload = {
      event: 'snapclass.monitoring.state_changed',
      previousState,
      state: summary.state,
      modelVersion: summary.modelVersion,
      windowId,
      window: { startedAt: summary.startedAt, endedAt: summary.endedAt, predictions: summary.traffic.predictions },
      driftedTests: summary.drift.tests.filter((test) => test.drifted).map(({ name, statistic, pValue, threshold }) => ({ name, statistic, pValue, threshold })),
      feedbackAccuracy: summary.performance.accuracy?.value ?? null,
      estimatedAccuracy: summary.performance.estimatedAccuracy,
    };
    const context = { previousState, state: payload.state, modelVersion: payload.modelVersion, windowId, driftedTests: payload.driftedTests.map((test) => test.name) };
    if (payload.state === 'ok') this.logger.info(context, 'monitoring state changed: back to ok');
    else this.logger.warn(context, `monitoring state changed: ${payload.state}`);

    if (!this.args.webhookUrl) return;
    try {
      const response = await fetch(this.args.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.args.timeoutMs ?? 5000),
      });
      if (!response.ok) this.logger.error({ ...context, status: response.status }, 'alert webhook rejected the alert');
    } catch (error) {
      this.logger.error({ ...context, err: error }, 'alert webhook call failed');
    }
  }
}
