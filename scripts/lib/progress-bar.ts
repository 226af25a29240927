import cliProgress from 'cli-progress';
import type { TrainingCallbacks } from '../../core/training/train-model.js';

/** Batches of a run before the run ETA is shown. */
const MIN_BATCHES_FOR_ETA = 20;

/** The bar being drawn, if any, so log lines can clear its line first. */
let activeBar: cliProgress.SingleBar | null = null;

/**
 * Returns a pino destination that writes log lines to `stream` (standard error by default). While
 * a progress bar is drawn on a terminal, it clears the bar's line before each log line, so the
 * line does not start at the end of the bar. The bar is drawn again at the next batch.
 */
export function createBarAwareDestination(stream: NodeJS.WritableStream = process.stderr): { write(line: string): void } {
  return {
    write(line: string) {
      if (activeBar && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      stream.write(line);
    },
  };
}

/** Options for {@link createTrainingProgressBar}. */
export interface TrainingProgressBarArgs {
  /** The run's time budget in minutes, which caps the run ETA. */
  maxTrainingMinutes?: number;
}

/**
 * Training callbacks that draw one progress bar per epoch on standard error, with the batch
 * count, the running loss, an ETA for the epoch and one for the whole run. The run ETA follows
 * the batch rate so far and is capped by the time budget. Nothing is drawn when standard error
 * is not a terminal; the epoch log lines still report progress there.
 */
export function createTrainingProgressBar(args: TrainingProgressBarArgs = {}): TrainingCallbacks {
  let bar: cliProgress.SingleBar | null = null;
  let runStarted = 0;
  let batchesBefore = 0;
  let totalBatches = 0;
  const budgetMs = args.maxTrainingMinutes === undefined ? Infinity : args.maxTrainingMinutes * 60_000;

  const runEta = (batch: number): string => {
    const elapsedMs = performance.now() - runStarted;
    const done = batchesBefore + batch;
    // The first batches run while V8 still optimises the model code, so their rate is no guide.
    if (done < MIN_BATCHES_FOR_ETA) return '-';
    const remainingMs = Math.min((elapsedMs / done) * (totalBatches - done), budgetMs - elapsedMs);
    return formatDuration(Math.max(0, remainingMs));
  };

  return {
    onEpochStart({ epoch, epochs, batches }) {
      if (runStarted === 0) runStarted = performance.now();
      batchesBefore = (epoch - 1) * batches;
      totalBatches = epochs * batches;
      bar = new cliProgress.SingleBar(
        {
          format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss} | epoch ETA {eta_formatted} | run ETA {runEta}`,
          stream: process.stderr,
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches, 0, { loss: '-', runEta: '-' });
      activeBar = process.stderr.isTTY ? bar : null;
    },
    onBatchEnd({ batch, loss }) {
      bar?.update(batch, { loss: loss.toFixed(4), runEta: runEta(batch) });
    },
    onEpochEnd() {
      bar?.stop();
      bar = null;
      activeBar = null;
    },
  };
}

/** Formats milliseconds as `1h02m`, `4m05s` or `9s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${seconds}s`;
}
