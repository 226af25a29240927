import { Counter, Gauge, type Registry } from 'prom-client';
import type { WindowSummary } from './summarize-window.js';

const STATE_VALUES = { ok: 0, warning: 1, drift: 2 } as const;

/**
 * Prometheus metrics of the drift monitor, registered in the service's registry:
 *
 * - `snapclass_monitoring_state`: state of the latest window, 0 ok, 1 warning, 2 drift.
 * - `snapclass_drift_test_statistic{test}`, `snapclass_drift_test_p_value{test}` and
 *   `snapclass_drift_test_drifted{test}` (0 or 1): each test of the latest window.
 * - `snapclass_feedback_accuracy` and `snapclass_estimated_accuracy`: of the latest window.
 * - `snapclass_monitoring_windows_total{state}`, `snapclass_monitoring_alerts_total{state}`.
 * - `snapclass_out_of_distribution_total`: predictions flagged out of distribution.
 */
export class MonitoringMetrics {
  readonly state: Gauge;
  readonly testStatistic: Gauge<'test'>;
  readonly testPValue: Gauge<'test'>;
  readonly testDrifted: Gauge<'test'>;
  readonly feedbackAccuracy: Gauge;
  readonly estimatedAccuracy: Gauge;
  readonly windows: Counter<'state'>;
  readonly alerts: Counter<'state'>;
  readonly outOfDistribution: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.state = new Gauge({ name: 'snapclass_monitoring_state', help: 'Monitoring state of the latest window: 0 ok, 1 warning, 2 drift.', registers });
    this.testStatistic = new Gauge({ name: 'snapclass_drift_test_statistic', help: 'Statistic of each drift test in the latest window.', labelNames: ['test'], registers });
    this.testPValue = new Gauge({ name: 'snapclass_drift_test_p_value', help: 'p-value of each drift test in the latest window; absent for tests judged on their statistic.', labelNames: ['test'], registers });
    this.testDrifted = new Gauge({ name: 'snapclass_drift_test_drifted', help: 'Whether each drift test passed its threshold in the latest window (1) or not (0).', labelNames: ['test'], registers });
    this.feedbackAccuracy = new Gauge({ name: 'snapclass_feedback_accuracy', help: 'Accuracy from user feedback in the latest window that had feedback.', registers });
    this.estimatedAccuracy = new Gauge({ name: 'snapclass_estimated_accuracy', help: 'Accuracy estimated from calibrated confidence in the latest window.', registers });
    this.windows = new Counter({ name: 'snapclass_monitoring_windows_total', help: 'Monitoring windows closed, by state.', labelNames: ['state'], registers });
    this.alerts = new Counter({ name: 'snapclass_monitoring_alerts_total', help: 'Monitoring state changes alerted, by new state.', labelNames: ['state'], registers });
    this.outOfDistribution = new Counter({ name: 'snapclass_out_of_distribution_total', help: 'Predictions whose input was flagged as out of distribution.', registers });
    // Until a window sets them, the accuracy gauges read NaN rather than prom-client's default 0,
    // so an alert such as "accuracy < 0.8" does not fire on a fresh start.
    this.feedbackAccuracy.set(Number.NaN);
    this.estimatedAccuracy.set(Number.NaN);
  }

  /** Sets the gauges from a window summary. */
  recordWindow(summary: WindowSummary): void {
    this.state.set(STATE_VALUES[summary.state]);
    this.windows.inc({ state: summary.state });
    for (const test of summary.drift.tests) {
      if (test.statistic !== null) this.testStatistic.set({ test: test.name }, test.statistic);
      if (test.pValue !== null) this.testPValue.set({ test: test.name }, test.pValue);
      this.testDrifted.set({ test: test.name }, test.drifted ? 1 : 0);
    }
    if (summary.performance.accuracy) this.feedbackAccuracy.set(summary.performance.accuracy.value);
    if (summary.performance.estimatedAccuracy !== null) this.estimatedAccuracy.set(summary.performance.estimatedAccuracy);
  }
}
