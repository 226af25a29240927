import os from 'node:os';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { SnapclassDb } from '../../db/open-database.js';
import { runEpochs, runs, type RunRow } from '../../db/schema.js';
import { silentLogger, type Logger } from '../logger.js';
import { RunNotFoundError } from './errors.js';

/** Kinds of tracked runs. */
export type RunKind = RunRow['kind'];
/** Statuses of a tracked run. */
export type RunStatus = RunRow['status'];

/** Fields of a run known when it starts. */
export interface StartRunArgs {
  kind: RunKind;
  command: string;
  params: Record<string, unknown>;
  git: { commit: string | null; dirty: boolean | null };
  backend?: string;
  parentRunId?: number;
}

/** Fields that a run may fill in while it runs or when it ends. */
export interface RunUpdate {
  datasetId?: string;
  datasetSha256?: string;
  backend?: string;
  modelVersion?: string;
  metrics?: Record<string, unknown>;
  artifacts?: string[];
  warnings?: unknown[];
}

/** A run with its JSON columns parsed. */
export interface RunRecord extends Omit<RunRow, 'params' | 'metrics' | 'artifacts' | 'warnings'> {
  params: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  artifacts: string[];
  warnings: unknown[];
}

/** A run with its per-epoch metrics, oldest epoch first. */
export interface RunDetail extends RunRecord {
  epochs: { epoch: number; metrics: Record<string, number>; recordedAt: string }[];
}

/** Reports whether a process with this id exists on this machine (signal 0 checks without sending). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads and writes tracked runs in the `runs` and `run_epochs` tables. Every method is
 * synchronous (better-sqlite3), so a run can still be marked failed from a signal or `exit`
 * handler.
 */
export class RunStore {
  private readonly logger: Logger;

  constructor(
    private readonly db: SnapclassDb,
    logger: Logger = silentLogger,
  ) {
    this.logger = logger.child({ component: 'run-store' });
  }

  /** Inserts a `running` row for this process and returns the new run id. */
  start(args: StartRunArgs): number {
    const row = this.db
      .insert(runs)
      .values({
        kind: args.kind,
        status: 'running',
        startedAt: new Date().toISOString(),
        pid: process.pid,
        hostname: os.hostname(),
        command: args.command,
        params: JSON.stringify(args.params),
        gitCommit: args.git.commit,
        gitDirty: args.git.dirty,
        backend: args.backend ?? null,
        parentRunId: args.parentRunId ?? null,
      })
      .returning({ id: runs.id })
      .get();
    this.logger.info({ runId: row.id, kind: args.kind }, 'run started');
    return row.id;
  }

  /** Stores one epoch's metrics; recording the same epoch again replaces it. */
  recordEpoch(runId: number, epoch: number, metrics: Record<string, number>): void {
    const values = { runId, epoch, metrics: JSON.stringify(metrics), recordedAt: new Date().toISOString() };
    this.db
      .insert(runEpochs)
      .values(values)
      .onConflictDoUpdate({ target: [runEpochs.runId, runEpochs.epoch], set: { metrics: values.metrics, recordedAt: values.recordedAt } })
      .run();
  }

  /** Sets the given fields of a run; JSON fields replace the stored value. */
  update(runId: number, update: RunUpdate): void {
    const set: Partial<typeof runs.$inferInsert> = {};
    if (update.datasetId !== undefined) set.datasetId = update.datasetId;
    if (update.datasetSha256 !== undefined) set.datasetSha256 = update.datasetSha256;
    if (update.backend !== undefined) set.backend = update.backend;
    if (update.modelVersion !== undefined) set.modelVersion = update.modelVersion;
    if (update.metrics !== undefined) set.metrics = JSON.stringify(update.metrics);
    if (update.artifacts !== undefined) set.artifacts = JSON.stringify(update.artifacts);
    if (update.warnings !== undefined) set.warnings = JSON.stringify(update.warnings);
    if (Object.keys(set).length > 0) this.db.update(runs).set(set).where(eq(runs.id, runId)).run();
  }

  /** Marks a running run succeeded with its final fields; a run that already ended is left as it is. */
  succeed(runId: number, update: RunUpdate = {}): void {
    this.update(runId, update);
    this.end(runId, 'succeeded', null);
  }

  /** Marks a running run failed with the reason; a run that already ended is left as it is. */
  fail(runId: number, reason: string): void {
    this.end(runId, 'failed', reason);
  }

  /**
   * Marks as failed every `running` run of this host whose process no longer exists, such as
   * one killed with SIGKILL or by a power loss. Runs of other hosts are left alone because
   * their processes cannot be checked from here. Returns the ids marked.
   */
  markStaleRuns(): number[] {
    const hostname = os.hostname();
    const running = this.db.select().from(runs).where(and(eq(runs.status, 'running'), eq(runs.hostname, hostname))).all();
    const stale = running.filter((row) => row.pid !== process.pid && !isProcessAlive(row.pid));
    for (const row of stale) {
      this.end(row.id, 'failed', `process ${row.pid} ended without recording an outcome (killed or crashed)`);
      this.logger.warn({ runId: row.id, pid: row.pid }, 'marked a run of a dead process as failed');
    }
    return stale.map((row) => row.id);
  }

  /**
   * Returns one run with its epochs.
   *
   * @throws RunNotFoundError when no run has this id.
   */
  get(runId: number): RunDetail {
    const row = this.db.select().from(runs).where(eq(runs.id, runId)).get();
    if (!row) throw new RunNotFoundError(runId);
    const epochs = this.db.select().from(runEpochs).where(eq(runEpochs.runId, runId)).orderBy(runEpochs.epoch).all();
    return {
      ...parseRow(row),
      epochs: epochs.map((epoch) => ({ epoch: epoch.epoch, metrics: JSON.parse(epoch.metrics) as Record<string, number>, recordedAt: epoch.recordedAt })),
    };
  }

  /** Lists the newest runs first, `limit` of them (default 50), optionally of some kinds only. */
  list(args: { limit?: number; kinds?: RunKind[] } = {}): RunRecord[] {
    const query = this.db.select().from(runs);
    const filtered = args.kinds && args.kinds.length > 0 ? query.where(inArray(runs.kind, args.kinds)) : query;
    return filtered
      .orderBy(desc(runs.id))
      .limit(args.limit ?? 50)
      .all()
      .map(parseRow);
  }

  private end(runId: number, status: 'succeeded' | 'failed', error: string | null): void {
    const result = this.db
      .update(runs)
      .set({ status, error, endedAt: new Date().toISOString() })
      .where(and(eq(runs.id, runId), eq(runs.status, 'running')))
      .run();
    if (result.changes > 0) this.logger.info({ runId, status, error }, 'run ended');
  }
}

function parseRow(row: RunRow): RunRecord {
  return {
    ...row,
    params: JSON.parse(row.params) as Record<string, unknown>,
    metrics: row.metrics === null ? null : (JSON.parse(row.metrics) as Record<string, unknown>),
    artifacts: JSON.parse(row.artifacts) as string[],
    warnings: JSON.parse(row.warnings) as unknown[],
  };
}
