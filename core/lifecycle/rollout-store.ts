import { and, desc, eq, sql } from 'drizzle-orm';
import { quantileSorted } from 'simple-statistics';
import { DatabaseError } from '../../db/errors.js';
import type { DatabaseHandle } from '../../db/open-database.js';
import { rolloutErrors, rolloutEvents, rollouts, shadowResults, type RolloutEventRow } from '../../db/schema.js';
import type { ArmStats } from './arm-stats.js';
import { LifecycleError } from './errors.js';
import type { GateSettings } from './gate-settings.js';
import { rolloutFromRow, type Rollout, type RolloutKind } from './rollout.js';

/** Kinds of entries in the rollout log. */
export type RolloutEventKind = RolloutEventRow['kind'];

/** One entry of the rollout log, with its details parsed. */
export interface RolloutEvent {
  id: number;
  rolloutId: number | null;
  kind: RolloutEventKind;
  message: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/** Options of {@link RolloutStore.start}. */
export interface StartRolloutArgs {
  kind: RolloutKind;
  productionVersion: string;
  candidateVersion: string;
  percent: number;
  gates: GateSettings;
  automatic: boolean;
}

/** One shadow comparison, as the shadow runner stores it. */
export interface NewShadowResult {
  rolloutId: number;
  predictionId: string;
  candidateVersion: string;
  productionClassIndex: number;
  candidateClassIndex: number | null;
  productionLatencyMs: number;
  candidateLatencyMs: number | null;
  error: string | null;
}

/** Agreement of a shadow with production, per class that production predicted, and the latencies of both. */
export interface ShadowSummary {
  compared: number;
  /** Copies on which the candidate failed or timed out. */
  failed: number;
  agreed: number;
  /** agreed / (compared - failed); null until the candidate has classified one copy. */
  agreement: number | null;
  /** Per class index that production predicted: copies the candidate classified, and those where it predicted another class. */
  perClass: { classIndex: number; answered: number; disagreed: number }[];
  productionLatencyMs: { p50: number | null; p99: number | null };
  candidateLatencyMs: { p50: number | null; p99: number | null };
}

const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * Reads and writes rollouts, their log, shadow comparisons and per-arm error counts in the
 * service's SQLite database. The command line writes through it and the service polls it, so
 * both see the same state, and a restarted service continues where it stopped.
 */
export class RolloutStore {
  constructor(private readonly handle: DatabaseHandle) {}

  /** Returns the active rollout, or null. */
  active(): Rollout | null {
    const row = this.handle.db.select().from(rollouts).where(eq(rollouts.status, 'active')).get();
    return row ? rolloutFromRow(row) : null;
  }

  /** Returns a rollout by id, or null. */
  get(id: number): Rollout | null {
    const row = this.handle.db.select().from(rollouts).where(eq(rollouts.id, id)).get();
    return row ? rolloutFromRow(row) : null;
  }

  /** Returns the most recent rollouts, newest first. */
  recent(limit = 10): Rollout[] {
    return this.handle.db.select().from(rollouts).orderBy(desc(rollouts.id)).limit(limit).all().map(rolloutFromRow);
  }

  /**
   * Starts a rollout and logs it.
   *
   * @throws LifecycleError `rollout_active` when another rollout is active.
   */
  start(args: StartRolloutArgs): Rollout {
    const now = new Date().toISOString();
    const row = this.write(`start a ${args.kind} of ${args.candidateVersion}`, () =>
      this.handle.sqlite.transaction(() => {
        const running = this.active();
        if (running) {
          throw new LifecycleError(
            'rollout_active',
            `Rollout ${running.id} (${running.kind} of ${running.candidateVersion}) is still active. End it with \`npm run models -- promote ${running.candidateVersion}\` or \`npm run models -- rollback\` first.`,
          );
        }
        const inserted = this.handle.db
          .insert(rollouts)
          .values({ ...args, gates: JSON.stringify(args.gates), status: 'active', startedAt: now, updatedAt: now })
          .returning()
          .get();
        this.insertEvent(inserted.id, 'started', describeStart(args), { ...args }, now);
        return inserted;
      })(),
    );
    return rolloutFromRow(row);
  }

  /**
   * Changes the candidate's share of an active canary or A/B rollout.
   *
   * @throws LifecycleError `no_active_rollout` when rollout `id` is not active.
   */
  setPercent(id: number, percent: number): Rollout {
    const now = new Date().toISOString();
    return this.write(`set the percent of rollout ${id}`, () =>
      this.handle.sqlite.transaction(() => {
        const current = this.get(id);
        if (!current || current.status !== 'active') throw new LifecycleError('no_active_rollout', `Rollout ${id} is not active, so its percent cannot change.`);
        this.handle.db.update(rollouts).set({ percent, updatedAt: now }).where(eq(rollouts.id, id)).run();
        this.insertEvent(id, 'percent_changed', `${current.candidateVersion} now serves ${percent}% of users (was ${current.percent}%)`, { from: current.percent, to: percent }, now);
        return { ...current, percent, updatedAt: now };
      })(),
    );
  }

  /**
   * Ends rollout `id` if it is still active and logs why. Returns false when it had already
   * ended, so of two processes that decide at once only one acts on the decision.
   */
  finish(id: number, status: 'promoted' | 'rolled_back' | 'stopped', reason: string, details: Record<string, unknown> = {}): boolean {
    const now = new Date().toISOString();
    return this.write(`end rollout ${id}`, () =>
      this.handle.sqlite.transaction(() => {
        const result = this.handle.db
          .update(rollouts)
          .set({ status, endedAt: now, updatedAt: now, endReason: reason })
          .where(and(eq(rollouts.id, id), eq(rollouts.status, 'active')))
          .run();
        if (result.changes === 0) return false;
        this.insertEvent(id, status, reason, details, now);
        return true;
      })(),
    );
  }

  /** Appends an entry to the rollout log; `rolloutId` is null for a change outside a rollout. */
  recordEvent(rolloutId: number | null, kind: RolloutEventKind, message: string, details: Record<string, unknown> = {}): void {
    this.write(`log a ${kind} event`, () => this.insertEvent(rolloutId, kind, message, details, new Date().toISOString()));
  }

  /** Returns log entries, newest first: of one rollout when `rolloutId` is given, else of all. */
  events(args: { rolloutId?: number; kinds?: RolloutEventKind[]; limit?: number } = {}): RolloutEvent[] {
    const conditions = [];
    if (args.rolloutId !== undefined) conditions.push(eq(rolloutEvents.rolloutId, args.rolloutId));
    if (args.kinds?.length) conditions.push(sql`${rolloutEvents.kind} in ${args.kinds}`);
    return this.handle.db
      .select()
      .from(rolloutEvents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(rolloutEvents.id))
      .limit(args.limit ?? 50)
      .all()
      .map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  }

  /** Returns the newest change of the production model (a promotion or a manual change), or null. */
  lastProductionChange(): RolloutEvent | null {
    return this.events({ kinds: ['promoted', 'production_changed'], limit: 1 })[0] ?? null;
  }

  /** Stores one shadow comparison. */
  recordShadowResult(result: NewShadowResult): void {
    this.write(`store a shadow result of ${result.predictionId}`, () =>
      this.handle.db.insert(shadowResults).values({ ...result, createdAt: new Date().toISOString() }).run(),
    );
  }

  /** Adds one failed prediction to the error count of `modelVersion` in rollout `rolloutId`. */
  incrementErrors(rolloutId: number, modelVersion: string): void {
    this.write(`count an error of ${modelVersion}`, () =>
      this.handle.db
        .insert(rolloutErrors)
        .values({ rolloutId, modelVersion, count: 1 })
        .onConflictDoUpdate({ target: [rolloutErrors.rolloutId, rolloutErrors.modelVersion], set: { count: sql`${rolloutErrors.count} + 1` } })
        .run(),
    );
  }

  /** Summarises the shadow comparisons of a rollout. */
  shadowSummary(rolloutId: number): ShadowSummary {
    const rows = this.handle.db.select().from(shadowResults).where(eq(shadowResults.rolloutId, rolloutId)).all();
    const answered = rows.filter((row) => row.candidateClassIndex !== null);
    const agreed = answered.filter((row) => row.candidateClassIndex === row.productionClassIndex).length;
    const perClass = new Map<number, { classIndex: number; answered: number; disagreed: number }>();
    for (const row of answered) {
      const entry = perClass.get(row.productionClassIndex) ?? { classIndex: row.productionClassIndex, answered: 0, disagreed: 0 };
      entry.answered++;
      if (row.candidateClassIndex !== row.productionClassIndex) entry.disagreed++;
      perClass.set(row.productionClassIndex, entry);
    }
    return {
      compared: rows.length,
      failed: rows.length - answered.length,
      agreed,
      agreement: answered.length === 0 ? null : agreed / answered.length,
      perClass: [...perClass.values()].sort((a, b) => a.classIndex - b.classIndex),
      productionLatencyMs: percentiles(rows.map((row) => row.productionLatencyMs)),
      candidateLatencyMs: percentiles(answered.map((row) => row.candidateLatencyMs as number)),
    };
  }

  /** Collects what `modelVersion` did between the rollout's start and its end (or now). */
  armStats(rollout: Rollout, modelVersion: string): ArmStats {
    const until = rollout.endedAt ?? END_OF_TIME;
    const latencies = this.handle.sqlite
      .prepare('SELECT latency_ms AS latency FROM predictions WHERE model_version = ? AND created_at >= ? AND created_at <= ?')
      .pluck()
      .all(modelVersion, rollout.startedAt, until) as number[];
    const labelled = this.handle.sqlite
      .prepare(
        `SELECT COUNT(*) AS labelled, COALESCE(SUM(f.verdict = 'correct'), 0) AS correct
         FROM predictions p JOIN feedback f ON f.prediction_id = p.id
         WHERE p.model_version = ? AND p.created_at >= ? AND p.created_at <= ?
           AND f.id = (SELECT f2.id FROM feedback f2 WHERE f2.prediction_id = p.id ORDER BY f2.updated_at DESC, f2.rowid DESC LIMIT 1)`,
      )
      .get(modelVersion, rollout.startedAt, until) as { labelled: number; correct: number };
    const errors = this.handle.db
      .select({ count: rolloutErrors.count })
      .from(rolloutErrors)
      .where(and(eq(rolloutErrors.rolloutId, rollout.id), eq(rolloutErrors.modelVersion, modelVersion)))
      .get();
    const { p50, p99 } = percentiles(latencies);
    return { modelVersion, requests: latencies.length, errors: errors?.count ?? 0, labelled: labelled.labelled, correct: labelled.correct, p50LatencyMs: p50, p99LatencyMs: p99 };
  }

  private insertEvent(rolloutId: number | null, kind: RolloutEventKind, message: string, details: Record<string, unknown>, createdAt: string): void {
    this.handle.db.insert(rolloutEvents).values({ rolloutId, kind, message, details: JSON.stringify(details), createdAt }).run();
  }

  private write<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof LifecycleError) throw error;
      throw new DatabaseError(
        `Cannot ${action} in ${this.handle.file}: ${(error as Error).message}. Check that the file and its folder are writable.`,
        { cause: error },
      );
    }
  }
}

function describeStart(args: StartRolloutArgs): string {
  if (args.kind === 'shadow') return `shadow of ${args.candidateVersion} started beside production ${args.productionVersion}`;
  if (args.kind === 'canary') return `canary of ${args.candidateVersion} started for ${args.percent}% of users (production ${args.productionVersion})`;
  return `A/B experiment started: A ${args.productionVersion} for ${100 - args.percent}%, B ${args.candidateVersion} for ${args.percent}% of users`;
}

function percentiles(values: number[]): { p50: number | null; p99: number | null } {
  if (values.length === 0) return { p50: null, p99: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99) };
}
