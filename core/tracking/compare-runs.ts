import type { RunDetail } from './run-store.js';

/** One line of a run comparison. */
export interface ComparisonRow {
  field: string;
  first: unknown;
  second: unknown;
  differs: boolean;
}

/**
 * Lines up two runs field by field: kind, status, code version, data set, backend, model,
 * every parameter (nested objects flattened to dotted names) and every final metric, plus
 * the epoch count. Rows that differ come first, so the top of the table shows what changed and
 * what it did. Each group keeps the order of the fields.
 */
export function compareRuns(first: RunDetail, second: RunDetail): ComparisonRow[] {
  const fields = (run: RunDetail): Record<string, unknown> => ({
    kind: run.kind,
    status: run.status,
    gitCommit: run.gitCommit,
    gitDirty: run.gitDirty,
    datasetId: run.datasetId,
    datasetSha256: run.datasetSha256,
    backend: run.backend,
    modelVersion: run.modelVersion,
    epochs: run.epochs.length,
    ...flatten('params', run.params),
    ...flatten('metrics', run.metrics ?? {}),
  });
  const a = fields(first);
  const b = fields(second);
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const rows = names.map((field) => {
    const [left, right] = [a[field] ?? null, b[field] ?? null];
    return { field, first: left, second: right, differs: JSON.stringify(left) !== JSON.stringify(right) };
  });
  return [...rows.filter((row) => row.differs), ...rows.filter((row) => !row.differs)];
}

function flatten(prefix: string, value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = `${prefix}.${key}`;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      Object.assign(result, flatten(name, inner as Record<string, unknown>));
    } else {
      result[name] = inner;
    }
  }
  return result;
}
