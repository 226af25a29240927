import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Options for {@link ServingMetrics}. */
export interface ServingMetricsArgs {
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag). Defaults to true. */
  processMetrics?: boolean;
}

/**
 * The Prometheus metrics of one service instance, in their own registry so that several
 * services in one process (as in tests) keep separate counts. `GET /metrics` serves
 * `registry.metrics()`.
 *
 * - `snapclass_http_request_duration_seconds{method,route,status}`: histogram of request latency.
 * - `snapclass_predictions_total{model_version,label}`: stored predictions.
 * - `snapclass_feedback_total{verdict}`: stored feedback, repeats included.
 * - `snapclass_model_load_duration_seconds{model_version}`: time to load the serving model.
 * - `snapclass_batch_size`: histogram of the number of images per model call.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly predictions: Counter<'model_version' | 'label'>;
  readonly feedback: Counter<'verdict'>;
  readonly modelLoadDuration: Gauge<'model_version'>;
  readonly batchSize: Histogram;

  constructor(args: ServingMetricsArgs = {}) {
    const registers = [this.registry];
    this.httpRequestDuration = new Histogram({
      name: 'snapclass_http_request_duration_seconds',
      help: 'HTTP request latency from the first byte received to the last byte sent, by route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.predictions = new Counter({
      name: 'snapclass_predictions_total',
      help: 'Predictions stored, by model version and predicted label.',
      labelNames: ['model_version', 'label'],
      registers,
    });
    this.feedback = new Counter({
      name: 'snapclass_feedback_total',
      help: 'Feedback stored, by verdict; a repeat that replaces earlier feedback counts again.',
      labelNames: ['verdict'],
      registers,
    });
    this.modelLoadDuration = new Gauge({
      name: 'snapclass_model_load_duration_seconds',
      help: 'Time taken to load the serving model, by model version.',
      labelNames: ['model_version'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'snapclass_batch_size',
      help: 'Images classified per model call.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    if (args.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'snapclass_' });
  }
}
