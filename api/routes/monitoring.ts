import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { SnapclassError } from '../../core/errors.js';
import type { DriftMonitor } from '../../core/monitoring/drift-monitor.js';

const windowsQuerySchema = z.object({
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-01-01T00:00:00Z' }).optional(),
  limit: z.coerce.number({ error: 'must be an integer from 1 to 1000' }).int({ error: 'must be an integer from 1 to 1000' }).min(1, { error: 'must be an integer from 1 to 1000' }).max(1000, { error: 'must be an integer from 1 to 1000' }).default(200),
});

/** Dependencies of the monitoring routes. */
export interface MonitoringRoutesArgs {
  monitor: DriftMonitor;
  /** Folder of the dashboard's `index.html`, `dashboard.js` and `dashboard.css`. */
  dashboardDir: string;
}

/**
 * `GET /v1/monitoring/summary` (the latest window and the overall state),
 * `GET /v1/monitoring/windows?since=&limit=` (stored windows, oldest first) and
 * `GET /dashboard` (the monitoring page; its scripts are served as static files).
 */
export function createMonitoringRoutes(args: MonitoringRoutesArgs): Router {
  const router = Router();
  const { monitor } = args;

  router.get('/v1/monitoring/summary', (_request, response) => {
    const latest = monitor.latestSummary();
    const { config } = monitor;
    const settings = { windowSize: config.windowSize, windowSeconds: config.windowSeconds, thresholds: config.thresholds, minimumSamples: config.minimumSamples };
    if (!latest) {
      response.json({ state: 'ok', modelVersion: monitor.baselineStatus.modelVersion, baseline: monitor.baselineStatus, window: null, drift: { detected: false, tests: [] }, performance: null, settings });
      return;
    }
    const { summary } = latest;
    response.json({
      state: summary.state,
      modelVersion: summary.modelVersion,
      baseline: monitor.baselineStatus,
      window: { id: latest.id, startedAt: summary.startedAt, endedAt: summary.endedAt, closedBy: summary.closedBy, predictions: summary.traffic.predictions },
      drift: summary.drift,
      performance: summary.performance,
      traffic: summary.traffic,
      latencyMs: summary.latencyMs,
      classMix: summary.classMix,
      outOfDistribution: summary.outOfDistribution,
      settings,
    });
  });

  router.get('/v1/monitoring/windows', (request, response) => {
    const parsed = windowsQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const fault = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new SnapclassError('invalid_request', `Invalid query: ${fault}.`);
    }
    const windows = monitor.store.windowsSince(parsed.data.since ? new Date(parsed.data.since).toISOString() : null, parsed.data.limit);
    response.json({ windows: windows.map((window) => ({ id: window.id, ...window.summary })) });
  });

  router.get('/dashboard', (_request, response) => {
    response.sendFile(path.join(args.dashboardDir, 'index.html'));
  });

  return router;
}
