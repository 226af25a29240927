import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlertNotifier } from '../../../core/monitoring/alert-notifier.js';
import { DEFAULT_MONITORING_CONFIG, loadMonitoringConfig } from '../../../core/monitoring/monitoring-config.js';
import type { WindowSummary } from '../../../core/monitoring/summarize-window.js';

describe('loadMonitoringConfig', () => {
  it('uses defaults for unset variables', () => {
    expect(loadMonitoringConfig({})).toEqual(DEFAULT_MONITORING_CONFIG);
  });

  it('reads every variable', () => {
    const config = loadMonitoringConfig({
      SNAPCLASS_MONITORING: 'off',
      SNAPCLASS_MONITOR_WINDOW_SIZE: '500',
      SNAPCLASS_MONITOR_WINDOW_SECONDS: '60',
      SNAPCLASS_MONITOR_POLL_MS: '250',
      SNAPCLASS_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/alerts',
      SNAPCLASS_DATA_DIR: '/data/fashion',
    });
    expect(config).toMatchObject({ enabled: false, windowSize: 500, windowSeconds: 60, pollIntervalMs: 250, webhookUrl: 'http://127.0.0.1:9/alerts', dataDir: '/data/fashion' });
  });

  it('names each invalid variable', () => {
    expect(() => loadMonitoringConfig({ SNAPCLASS_MONITOR_WINDOW_SIZE: '5', SNAPCLASS_ALERT_WEBHOOK_URL: 'ftp://127.0.0.1/x' })).toThrow(
      /SNAPCLASS_MONITOR_WINDOW_SIZE="5": must be an integer from 10 to 100000; SNAPCLASS_ALERT_WEBHOOK_URL="ftp:\/\/127.0.0.1\/x": must be an http or https URL/,
    );
    expect(() => loadMonitoringConfig({ SNAPCLASS_MONITORING: 'maybe' })).toThrow(/SNAPCLASS_MONITORING="maybe": must be on or off/);
  });
});

function summary(state: WindowSummary['state']): WindowSummary {
  return {
    modelVersion: 'v1',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:10.000Z',
    closedBy: 'count',
    traffic: { predictions: 250, durationSeconds: 10, predictionsPerSecond: 25, errors: {}, errorRate: 0 },
    latencyMs: { p50: 1, p95: 2, p99: 3, mean: 1 },
    classMix: { classNames: ['a', 'b'], observed: [0.5, 0.5], expected: [0.5, 0.5] },
    outOfDistribution: { count: 0, share: 0 },
    performance: { feedback: { total: 0, correct: 0, incorrect: 0 }, accuracy: null, perClass: [], estimatedAccuracy: 0.9, referenceAccuracy: 0.9 },
    drift: {
      detected: state !== 'ok',
      tests: [{ name: 'ks.meanIntensity', kind: 'input', statistic: 0.5, pValue: 1e-9, threshold: 1e-4, thresholdOn: 'pValue', drifted: state !== 'ok', sampleSize: 250 }],
    },
    state,
  };
}

describe('AlertNotifier', () => {
  it('logs a failed webhook and goes on', async () => {
    const server = http.createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: { level: number; msg: string; status?: number; state?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    try {
      const notifier = new AlertNotifier({ logger, webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      await notifier.notify('ok', 7, summary('warning'));
      expect(lines.map((line) => line.msg)).toEqual(['monitoring state changed: warning', 'alert webhook rejected the alert']);
      expect(lines[0]!.level).toBe(40);
      expect(lines[1]!.status).toBe(500);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logs the return to ok at info', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    await new AlertNotifier({ logger, webhookUrl: null }).notify('drift', 9, summary('ok'));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(30);
    expect(lines[0]!.msg).toBe('monitoring state changed: back to ok');
  });
});
