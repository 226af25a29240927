import type { DatabaseHandle } from '../../db/open-database.js';
import type { Logger } from '../logger.js';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry.js';
import { createRandom } from '../random.js';
import type { ServingMetrics } from '../serving/serving-metrics.js';
import { AlertNotifier } from './alert-notifier.js';
import { buildBaselineFromData } from './baseline-source.js';
import type { MonitoringConfig } from './monitoring-config.js';
import { MonitoringMetrics } from './monitoring-metrics.js';
import { flattenStatistics, imageStatisticsOf, type MonitoringBaseline } from './monitoring-baseline.js';
import { probeModel, type ProbeOutput } from './model-probe.js';
import { scoreOutOfDistribution } from './out-of-distribution.js';
import { summarizeWindow, type MonitoringState, type SummarizeWindowArgs, type WindowFeedback, type WindowInput, type WindowSummary } from './summarize-window.js';
import type { WindowSummarizer } from './window-summarizer.js';
import { WindowStore, type MonitoredPrediction, type StoredWindow } from './window-store.js';

/** Options for {@link DriftMonitor}. */
export interface DriftMonitorArgs {
  database: DatabaseHandle;
  registry: ModelRegistry;
  /** Returns the serving model; windows are summarised for its version. */
  currentModel: () => LoadedModel | null;
  config: MonitoringConfig;
  logger: Logger;
  /** The service's metrics: its registry gets the monitoring metrics, its request counts give error rates. */
  metrics?: ServingMetrics;
  /** Builds a missing baseline; defaults to {@link buildBaselineFromData} with `config.dataDir`. */
  buildBaseline?: (loaded: LoadedModel) => Promise<MonitoringBaseline>;
  /**
   * Summarises windows in a worker thread; the monitor closes it on stop. Windows are summarised
   * on the calling thread when omitted, or when the worker fails on a window.
   */
  summarizer?: WindowSummarizer;
}

/** Status of the serving model's baseline. */
export interface BaselineStatus {
  status: 'building' | 'ready' | 'unavailable';
  modelVersion: string | null;
  /** Reason the baseline is unavailable, and the fix. */
  reason?: string;
}

/**
 * Watches stored predictions in windows and keeps the monitoring state. Every poll it reads
 * predictions stored after the last window; a window closes at `config.windowSize` predictions,
 * or `config.windowSeconds` after its first prediction. Each closed window is summarised
 * ({@link summarizeWindow}), stored, exported as metrics, and a state change is alerted once.
 * Windows wait while the serving model's baseline is being built, and are summarised without
 * drift tests when it cannot be built.
 */
export class DriftMonitor {
  readonly store: WindowStore;
  private readonly logger: Logger;
  private readonly monitoringMetrics: MonitoringMetrics | null;
  private readonly notifier: AlertNotifier;
  private readonly random = createRandom(Date.now() % 1_000_000);
  private baselines = new Map<string, MonitoringBaseline | null>();
  private baselineState: BaselineStatus = { status: 'building', modelVersion: null };
  private baselineBuild: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  /** Failed prediction requests by status when the last window closed; errors before the monitor started count in its first window. */
  private lastErrorCounts: Record<string, number> = {};

  constructor(private readonly args: DriftMonitorArgs) {
    this.store = new WindowStore(args.database);
    this.logger = args.logger.child({ component: 'drift-monitor' });
    this.monitoringMetrics = args.metrics ? new MonitoringMetrics(args.metrics.registry) : null;
    this.notifier = new AlertNotifier({ logger: args.logger, webhookUrl: args.config.webhookUrl });
  }

  /** Starts polling every `config.pollIntervalMs`; the timer does not keep the process alive. */
  start(): void {
    if (this.timer || !this.args.config.enabled) return;
    this.timer = setInterval(() => void this.poll(), this.args.config.pollIntervalMs);
    this.timer.unref();
    this.logger.info({ windowSize: this.args.config.windowSize, windowSeconds: this.args.config.windowSeconds, webhook: this.args.config.webhookUrl !== null }, 'drift monitor started');
    void this.poll();
  }

  /** Stops polling and waits for a window in progress to be stored. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => 0);
    await this.baselineBuild;
    await this.args.summarizer?.close();
    this.logger.info('drift monitor stopped');
  }

  /** The settings the monitor runs with. */
  get config(): MonitoringConfig {
    return this.args.config;
  }

  /** The serving model's baseline status. */
  get baselineStatus(): BaselineStatus {
    return this.baselineState;
  }

  /**
   * Closes every window that is due and returns how many closed. Concurrent calls share one
   * run. Errors are logged and the poll retried later, so a failing window never stops the monitor.
   */
  poll(): Promise<number> {
    this.running ??= this.closeDueWindows()
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'monitoring window failed: retrying at the next poll');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Returns whether {@link flagOutOfDistribution} can score images of `loaded`: monitoring is on and its baseline is ready. */
  canFlagOutOfDistribution(loaded: LoadedModel): boolean {
    return this.args.config.enabled && (this.baselines.get(loaded.metadata.version) ?? null) !== null;
  }

  /**
   * Flags images outside the training domain from a probe the caller already ran, so the
   * prediction service needs one model call per batch for both the labels and the flags.
   * Returns all false when the model has no baseline or scoring fails (logged).
   */
  flagOutOfDistribution(loaded: LoadedModel, pixels: Uint8Array, probe: ProbeOutput): boolean[] {
    const { count } = probe;
    const baseline = this.baselines.get(loaded.metadata.version);
    if (!baseline || !this.args.config.enabled) return new Array<boolean>(count).fill(false);
    try {
      const params = loaded.metadata.preprocessing;
      const statistics = imageStatisticsOf(pixels, count, params.height * params.width * params.channels, params.channels);
      const flags = Array.from(scoreOutOfDistribution(baseline.detector, { ...probe, statistics: flattenStatistics(statistics, count) }), (score) => score > 1);
      const flagged = flags.filter(Boolean).length;
      if (flagged > 0) this.monitoringMetrics?.outOfDistribution.inc(flagged);
      return flags;
    } catch (error) {
      // A detector failure must not fail the predictions, so the batch goes unflagged.
      this.logger.error({ err: error, modelVersion: loaded.metadata.version, count }, 'out-of-distribution check failed: the batch is not flagged');
      return new Array<boolean>(count).fill(false);
    }
  }

  /**
   * Flags images outside the training domain, running its own probe of the model. Returns all false while
   * the serving model has no baseline.
   */
  async detectOutOfDistribution(loaded: LoadedModel, pixels: Uint8Array, count: number): Promise<boolean[]> {
    const baseline = this.baselines.get(loaded.metadata.version);
    if (!baseline || !this.args.config.enabled) return new Array<boolean>(count).fill(false);
    try {
      const probe = await probeModel(loaded.model, pixels, count, loaded.metadata.preprocessing);
      return this.flagOutOfDistribution(loaded, pixels, probe);
    } catch (error) {
      // A detector failure must not fail the predictions, so the batch goes unflagged.
      this.logger.error({ err: error, modelVersion: loaded.metadata.version, count }, 'out-of-distribution check failed: the batch is not flagged');
      return new Array<boolean>(count).fill(false);
    }
  }

  /** Returns the baseline of the serving model, building or reading it on first use. */
  ensureBaseline(loaded: LoadedModel): Promise<void> {
    const version = loaded.metadata.version;
    if (this.baselines.has(version)) return Promise.resolve();
    if (this.baselineBuild && this.baselineState.modelVersion === version) return this.baselineBuild;

    this.baselineState = { status: 'building', modelVersion: version };
    this.baselineBuild = this.loadOrBuildBaseline(loaded).finally(() => {
      this.baselineBuild = null;
    });
    return this.baselineBuild;
  }

  private async loadOrBuildBaseline(loaded: LoadedModel): Promise<void> {
    const version = loaded.metadata.version;
    const stored = this.store.readBaseline(version);
    if (stored) {
      this.baselines.set(version, stored);
      this.baselineState = { status: 'ready', modelVersion: version };
      this.logger.info({ modelVersion: version }, 'monitoring baseline read from the database');
      return;
    }

    const started = performance.now();
    try {
      const build = this.args.buildBaseline ?? ((model: LoadedModel) => buildBaselineFromData({ loaded: model, registry: this.args.registry, dataDir: this.args.config.dataDir, logger: this.logger }));
      const baseline = await build(loaded);
      this.store.writeBaseline(baseline);
      this.baselines.set(version, baseline);
      this.baselineState = { status: 'ready', modelVersion: version };
      this.logger.info({ modelVersion: version, referenceCount: baseline.referenceCount, buildMs: Math.round(performance.now() - started) }, 'monitoring baseline built');
    } catch (error) {
      this.baselines.set(version, null);
      const reason = `${(error as Error).message} Drift tests are off for ${version}; health and feedback accuracy are still monitored.`;
      this.baselineState = { status: 'unavailable', modelVersion: version, reason };
      this.logger.warn({ err: error, modelVersion: version }, 'monitoring baseline unavailable: drift tests off, health and feedback accuracy still monitored');
    }
  }

  private async closeDueWindows(): Promise<number> {
    const loaded = this.args.currentModel();
    if (!loaded || !this.args.config.enabled) return 0;
    await this.ensureBaseline(loaded);

    let closed = 0;
    for (;;) {
      const latest = this.store.latestWindow();
      const cursor = latest ? { createdAt: latest.lastPredictionCreatedAt, id: latest.lastPredictionId } : null;
      const rows = this.store.predictionsAfter(cursor, this.args.config.windowSize);
      if (rows.length === 0) return closed;

      const full = rows.length === this.args.config.windowSize;
      const ageSeconds = (Date.now() - Date.parse(rows[0]!.createdAt)) / 1000;
      if (!full && ageSeconds < this.args.config.windowSeconds) return closed;

      await this.closeWindow(loaded, latest, rows, full ? 'count' : 'time');
      closed++;
    }
  }

  private async closeWindow(loaded: LoadedModel, previous: StoredWindow | null, rows: MonitoredPrediction[], closedBy: 'count' | 'time'): Promise<void> {
    const version = loaded.metadata.version;
    const feedbackUntil = new Date().toISOString();
    const own = rows.filter((row) => row.modelVersion === version);
    const classNames = loaded.metadata.classNames;
    const feedback: WindowFeedback[] = this.store
      .feedbackBetween(previous?.feedbackUntil ?? null, feedbackUntil)
      .filter((entry) => entry.modelVersion === version)
      .map((entry) => ({ verdict: entry.verdict, trueClass: entry.label === null ? null : classNames.indexOf(entry.label) }));
    const errorCounts = await this.failedPredictionCounts();
    const errors = Object.fromEntries(Object.entries(errorCounts).map(([status, value]) => [status, value - (this.lastErrorCounts[status] ?? 0)]).filter(([, value]) => (value as number) > 0));
    this.lastErrorCounts = errorCounts;

    const previousSummary = previous?.summary.modelVersion === version ? previous.summary : null;
    const input: WindowInput = { modelVersion: version, startedAt: rows[0]!.createdAt, endedAt: rows[rows.length - 1]!.createdAt, closedBy, predictions: own, feedback, errors };
    const summary = await this.summarize(loaded, input, {
      baseline: this.baselines.get(version) ?? null,
      thresholds: this.args.config.thresholds,
      minimumSamples: this.args.config.minimumSamples,
      previousDetected: previousSummary?.drift.detected ?? false,
      mmdPermutations: this.args.config.mmdPermutations,
    });

    const last = rows[rows.length - 1]!;
    const windowId = this.store.insertWindow({ lastPredictionCreatedAt: last.createdAt, lastPredictionId: last.id, feedbackUntil, summary });
    this.monitoringMetrics?.recordWindow(summary);
    this.logger.info({ windowId, modelVersion: version, predictions: own.length, closedBy, state: summary.state, drifted: summary.drift.tests.filter((test) => test.drifted).map((test) => test.name) }, 'monitoring window closed');

    const previousState: MonitoringState = previous?.summary.state ?? 'ok';
    if (summary.state !== previousState) {
      this.monitoringMetrics?.alerts.inc({ state: summary.state });
      await this.notifier.notify(previousState, windowId, summary);
    }
  }

  /** Summarises a window in the worker when there is one. Without a worker, or when it fails, the window is summarised on this thread. */
  private async summarize(loaded: LoadedModel, input: WindowInput, options: Omit<SummarizeWindowArgs, 'loaded' | 'random'>): Promise<WindowSummary> {
    const summarizer = this.args.summarizer;
    if (summarizer) {
      try {
        return await summarizer.summarize(input, { ...options, modelVersion: loaded.metadata.version });
      } catch (error) {
        this.logger.warn({ err: error, modelVersion: loaded.metadata.version }, 'window summary worker failed: summarising this window on the main thread');
      }
    }
    return summarizeWindow(input, { ...options, loaded, random: this.random });
  }

  /** Failed `POST /v1/predictions` requests so far, by status, from the request latency histogram's counts. */
  private async failedPredictionCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    if (!this.args.metrics) return counts;
    const { values } = await this.args.metrics.httpRequestDuration.get();
    for (const { labels, value, metricName } of values) {
      if (metricName !== 'snapclass_http_request_duration_seconds_count') continue;
      const status = String(labels.status);
      if (labels.method === 'POST' && labels.route === '/v1/predictions' && Number(status) >= 400) counts[status] = (counts[status] ?? 0) + value;
    }
    return counts;
  }

  /** Returns the latest window of any model version, or null before the first one closes. */
  latestSummary(): { id: number; summary: WindowSummary } | null {
    const latest = this.store.latestWindow();
    return latest ? { id: latest.id, summary: latest.summary } : null;
  }
}
