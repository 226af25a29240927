import { silentLogger, type Logger } from '../logger.js';
import type { RunStore, RunUpdate, StartRunArgs } from './run-store.js';

/** The handle that a tracked body uses to record progress. */
export interface ActiveRun {
  id: number;
  recordEpoch(epoch: number, metrics: Record<string, number>): void;
  update(update: RunUpdate): void;
}

/** Exit codes of a process stopped by a signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `body` as a tracked run: inserts a `running` row, marks it succeeded with the fields
 * that `body` returns, or failed with the error message when `body` throws (the error is
 * rethrown). While the body runs, SIGINT and SIGTERM mark the run failed and end the process
 * with exit code 130 or 143, and an `exit` without an outcome marks it failed too. A SIGKILL
 * cannot be caught; {@link RunStore.markStaleRuns} marks such runs later.
 *
 * The body must return to the event loop now and then (trainModel does after every batch),
 * or a signal is handled only when it ends.
 */
export async function trackRun<T>(
  store: RunStore,
  start: StartRunArgs,
  body: (run: ActiveRun) => Promise<{ result: T; update?: RunUpdate }>,
  logger: Logger = silentLogger,
): Promise<{ runId: number; result: T }> {
  store.markStaleRuns();
  const runId = store.start(start);
  const run: ActiveRun = {
    id: runId,
    recordEpoch: (epoch, metrics) => store.recordEpoch(runId, epoch, metrics),
    update: (update) => store.update(runId, update),
  };

  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    logger.warn({ runId, signal }, 'run interrupted');
    store.fail(runId, `interrupted by ${signal}`);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const onExit = (code: number) => store.fail(runId, `process exited with code ${code} before the run finished`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);

  try {
    const { result, update } = await body(run);
    store.succeed(runId, update);
    return { runId, result };
  } catch (error) {
    store.fail(runId, (error as Error).message ?? String(error));
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}
