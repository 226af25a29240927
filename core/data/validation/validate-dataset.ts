import { createHash } from 'node:crypto';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';

/** Names of the splits that a data set may have. */
export type SplitName = 'train' | 'validation' | 'test';

/** One split to validate: `count` images of 8-bit pixels and their labels. */
export interface SplitToValidate {
  name: SplitName;
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** Source file path of each image; reports name images by position, such as `train[12]`, when absent. */
  sources?: string[];
}

/** The input of the validation step: image shape, class names and the splits. */
export interface DatasetToValidate {
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  splits: SplitToValidate[];
  /** Files that could not be decoded, with the reason. */
  unreadable?: { path: string; reason: string }[];
  /** Class names that the data set must have, such as those of a model being retrained; checked when given. */
  expectedClassNames?: string[];
}

/** Codes of the checks in {@link validateDataset}. */
export type ValidationCheck =
  | 'shape'
  | 'label_out_of_range'
  | 'unexpected_label_set'
  | 'class_missing'
  | 'class_imbalance'
  | 'unreadable_file'
  | 'constant_image'
  | 'duplicate_in_split'
  | 'leakage_across_splits'
  | 'conflicting_labels';

/** One fault found by a check; `examples` names up to ten of the images or files at fault. */
export interface ValidationIssue {
  check: ValidationCheck;
  severity: 'error' | 'warning';
  /** The split concerned, or null for a fault of the whole data set. */
  split: SplitName | null;
  count: number;
  message: string;
  examples: string[];
}

/** Counts per split and class, kept with the run. */
export interface ValidationStats {
  imageShape: [number, number, number];
  splits: Record<string, { count: number; classCounts: number[] }>;
}

/** The outcome of {@link validateDataset}. `ok` is false when any issue is an error. */
export interface ValidationReport {
  ok: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  stats: ValidationStats;
}

const MAX_EXAMPLES = 10;

/**
 * Checks a data set before training: array shapes and label range, the label set and class
 * balance, unreadable files, constant (blank) images, exact duplicates inside each split and
 * across splits (leakage), and identical images with different labels. Duplicates are found by
 * the SHA-1 of each image's pixels. Faults above `limits` are errors, the rest warnings; the
 * caller decides whether to stop (see {@link assertValidDataset}). Bad data ends up in the report,
 * not in an exception; a malformed split is reported under `shape` and skipped by the other checks.
 */
export function validateDataset(dataset: DatasetToValidate, limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS): ValidationReport {
  const issues: ValidationIssue[] = [];
  const add = (issue: Omit<ValidationIssue, 'severity'>, isError: boolean) => issues.push({ ...issue, severity: isError ? 'error' : 'warning' });
  const classCount = dataset.classNames.length;
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const stats: ValidationStats = { imageShape: [dataset.height, dataset.width, dataset.channels], splits: {} };

  checkLabelSet(dataset, add);
  checkUnreadable(dataset, limits, add);

  const usable: SplitToValidate[] = [];
  for (const split of dataset.splits) {
    if (!checkShape(split, imageSize, dataset, add)) continue;
    usable.push(split);
    const classCounts = countClasses(split, classCount, add);
    stats.splits[split.name] = { count: split.count, classCounts };
    checkClassBalance(split, classCounts, dataset.classNames, limits, add);
    checkConstantImages(split, imageSize, limits, add);
  }

  checkDuplicates(usable, imageSize, limits, add);

  const errors = issues.filter((issue) => issue.severity === 'error');
  const warnings = issues.filter((issue) => issue.severity === 'warning');
  return { ok: errors.length === 0, errors, warnings, stats };
}

type AddIssue = (issue: Omit<ValidationIssue, 'severity'>, isError: boolean) => void;

function describe(split: SplitToValidate, index: number): string {
  return split.sources?.[index] ?? `${split.name}[${index}]`;
}

function checkLabelSet(dataset: DatasetToValidate, add: AddIssue): void {
  if (!dataset.expectedClassNames) return;
  const expected = new Set(dataset.expectedClassNames);
  const found = new Set(dataset.classNames);
  const unexpected = dataset.classNames.filter((name) => !expected.has(name));
  const missing = dataset.expectedClassNames.filter((name) => !found.has(name));
  if (unexpected.length === 0 && missing.length === 0) return;
  add(
    {
      check: 'unexpected_label_set',
      split: null,
      count: unexpected.length + missing.length,
      message:
        `The label set differs from the expected one: unexpected ${JSON.stringify(unexpected)}, missing ${JSON.stringify(missing)}. ` +
        'Rename or remove the class folders, or train without the expected class list.',
      examples: [...unexpected, ...missing].slice(0, MAX_EXAMPLES),
    },
    true,
  );
}

function checkUnreadable(dataset: DatasetToValidate, limits: ValidationLimits, add: AddIssue): void {
  const unreadable = dataset.unreadable ?? [];
  if (unreadable.length === 0) return;
  const total = unreadable.length + dataset.splits.reduce((sum, split) => sum + split.count, 0);
  const fraction = unreadable.length / total;
  add(
    {
      check: 'unreadable_file',
      split: null,
      count: unreadable.length,
      message:
        `${unreadable.length} of ${total} files cannot be decoded (${formatShare(fraction)}, limit ${formatShare(limits.maxUnreadableFraction)}): ` +
        `${unreadable.slice(0, 3).map((file) => `${file.path} (${file.reason})`).join('; ')}. Replace or delete them.`,
      examples: unreadable.slice(0, MAX_EXAMPLES).map((file) => file.path),
    },
    fraction > limits.maxUnreadableFraction,
  );
}

function checkShape(split: SplitToValidate, imageSize: number, dataset: DatasetToValidate, add: AddIssue): boolean {
  const faults: string[] = [];
  if (!(split.images instanceof Uint8Array)) faults.push('images are not 8-bit unsigned pixels (Uint8Array)');
  if (!Number.isInteger(split.count) || split.count < 0) faults.push(`count ${split.count} is not a whole number`);
  if (split.images.length !== split.count * imageSize) {
    faults.push(
      `${split.images.length} pixel values for ${split.count} images of ${dataset.height}x${dataset.width}x${dataset.channels} (expected ${split.count * imageSize})`,
    );
  }
  if (split.labels.length !== split.count) faults.push(`${split.labels.length} labels for ${split.count} images`);
  if (faults.length === 0) return true;
  add({ check: 'shape', split: split.name, count: faults.length, message: `The ${split.name} split is malformed: ${faults.join('; ')}.`, examples: [] }, true);
  return false;
}

function countClasses(split: SplitToValidate, classCount: number, add: AddIssue): number[] {
  const counts = new Array<number>(classCount).fill(0);
  const outOfRange: string[] = [];
  let outOfRangeCount = 0;
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i] as number;
    if (label < classCount) {
      counts[label] = (counts[label] as number) + 1;
    } else {
      outOfRangeCount++;
      if (outOfRange.length < MAX_EXAMPLES) outOfRange.push(`${describe(split, i)} (label ${label})`);
    }
  }
  if (outOfRangeCount > 0) {
    add(
      {
        check: 'label_out_of_range',
        split: split.name,
        count: outOfRangeCount,
        message: `${outOfRangeCount} ${split.name} labels are not below the class count ${classCount}, first ${outOfRange[0]}. Fix the labels.`,
        examples: outOfRange,
      },
      true,
    );
  }
  return counts;
}

function checkClassBalance(split: SplitToValidate, counts: number[], classNames: string[], limits: ValidationLimits, add: AddIssue): void {
  const isTrain = split.name === 'train';
  const missing = classNames.filter((_, c) => (counts[c] as number) === 0);
  const tooFew = isTrain ? classNames.filter((_, c) => (counts[c] as number) > 0 && (counts[c] as number) < limits.minImagesPerClass) : [];
  if (missing.length > 0 || tooFew.length > 0) {
    add(
      {
        check: 'class_missing',
        split: split.name,
        count: missing.length + tooFew.length,
        message:
          `The ${split.name} split has no images of ${JSON.stringify(missing)}` +
          (tooFew.length > 0 ? ` and fewer than ${limits.minImagesPerClass} of ${JSON.stringify(tooFew)}` : '') +
          '. Add images to those classes or remove their folders.',
        examples: [...missing, ...tooFew].slice(0, MAX_EXAMPLES),
      },
      isTrain,
    );
  }

  const present = counts.filter((count) => count > 0);
  if (!isTrain || present.length < 2) return;
  const ratio = Math.max(...present) / Math.min(...present);
  if (ratio <= 1.5) return;
  add(
    {
      check: 'class_imbalance',
      split: split.name,
      count: present.length,
      message: `The largest training class has ${ratio.toFixed(1)} times the images of the smallest (limit ${limits.maxClassImbalance}); per class: ${counts.join(', ')}.`,
      examples: [],
    },
    ratio > limits.maxClassImbalance,
  );
}

function checkConstantImages(split: SplitToValidate, imageSize: number, limits: ValidationLimits, add: AddIssue): void {
  const examples: string[] = [];
  let count = 0;
  for (let i = 0; i < split.count; i++) {
    const image = split.images.subarray(i * imageSize, (i + 1) * imageSize);
    const first = image[0] as number;
    if (image.every((value) => value === first)) {
      count++;
      if (examples.length < MAX_EXAMPLES) examples.push(`${describe(split, i)} (every pixel ${first})`);
    }
  }
  if (count === 0) return;
  const fraction = count / split.count;
  add(
    {
      check: 'constant_image',
      split: split.name,
      count,
      message: `${count} ${split.name} images are blank or constant (${formatShare(fraction)}, limit ${formatShare(limits.maxConstantFraction)}), first ${examples[0]}. Remove them.`,
      examples,
    },
    fraction > limits.maxConstantFraction,
  );
}

interface FirstSeen {
  split: SplitToValidate;
  index: number;
  label: number;
}

function checkDuplicates(splits: SplitToValidate[], imageSize: number, limits: ValidationLimits, add: AddIssue): void {
  const firstByHash = new Map<string, FirstSeen>();
  const conflicts: string[] = [];
  let conflictCount = 0;

  for (const split of splits) {
    const duplicates: string[] = [];
    let duplicateCount = 0;
    const leaks: string[] = [];
    let leakCount = 0;

    for (let i = 0; i < split.count; i++) {
      const hash = createHash('sha1').update(split.images.subarray(i * imageSize, (i + 1) * imageSize)).digest('hex');
      const label = split.labels[i] as number;
      const first = firstByHash.get(hash);
      if (!first) {
        firstByHash.set(hash, { split, index: i, label });
        continue;
      }

      const pair = `${describe(split, i)} = ${describe(first.split, first.index)}`;
      if (first.split === split) {
        duplicateCount++;
        if (duplicates.length < MAX_EXAMPLES) duplicates.push(pair);
      } else {
        leakCount++;
        if (leaks.length < MAX_EXAMPLES) leaks.push(pair);
      }
      if (first.label !== label) {
        conflictCount++;
        if (conflicts.length < MAX_EXAMPLES) conflicts.push(`${pair} (labels ${label} and ${first.label})`);
      }
    }

    if (duplicateCount > 0) {
      const fraction = duplicateCount / split.count;
      add(
        {
          check: 'duplicate_in_split',
          split: split.name,
          count: duplicateCount,
          message: `${duplicateCount} ${split.name} images repeat an earlier image of the same split (${formatShare(fraction)}, limit ${formatShare(limits.maxDuplicateFraction)}), first ${duplicates[0]}.`,
          examples: duplicates,
        },
        fraction > limits.maxDuplicateFraction,
      );
    }
    if (leakCount > 0) {
      const fraction = leakCount / split.count;
      add(
        {
          check: 'leakage_across_splits',
          split: split.name,
          count: leakCount,
          message:
            `${leakCount} ${split.name} images also occur in an earlier split (${formatShare(fraction)}, limit ${formatShare(limits.maxLeakageFraction)}), first ${leaks[0]}. ` +
            'Their scores overstate accuracy on unseen data; remove the copies.',
          examples: leaks,
        },
        fraction > limits.maxLeakageFraction,
      );
    }
  }

  if (conflictCount > 0) {
    add(
      {
        check: 'conflicting_labels',
        split: null,
        count: conflictCount,
        message: `${conflictCount} images occur with two different labels (limit ${limits.maxConflictingLabels}), first ${conflicts[0]}. Fix the wrong label.`,
        examples: conflicts,
      },
      conflictCount > limits.maxConflictingLabels,
    );
  }
}

function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 1)}%`;
}
