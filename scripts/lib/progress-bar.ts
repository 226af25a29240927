import cliProgress from 'cli-progress';
import type { TrainingCallbacks } from '../../core/training/train-model.js';

/**
 * Training callbacks that draw one progress bar per epoch on standard error, with the batch
 * count, the running loss and an ETA for the epoch. Nothing is drawn when standard error is
 * not a terminal; the epoch log lines still report progress there.
 */
export function createTrainingProgressBar(): TrainingCallbacks {
  let bar: cliProgress.SingleBar | null = null;

  return {
    onEpochStart({ epoch, epochs, batches }) {
      bar = new cliProgress.SingleBar(
        {
          format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss} | ETA {eta_formatted}`,
          stream: process.stderr,
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches, 0, { loss: '-' });
    },
    onBatchEnd({ batch, loss }) {
      bar?.update(batch, { loss: loss.toFixed(4) });
    },
    onEpochEnd() {
      bar?.stop();
      bar = null;
    },
  };
}
