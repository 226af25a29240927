import { InvalidArgumentError, type Command } from 'commander';

/** Returns a commander parser that accepts a positive integer for the option `name`. */
export function parsePositiveInteger(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, received "${value}".`);
    return parsed;
  };
}

/** Returns a commander parser that accepts a positive finite number for the option `name`. */
export function parsePositiveNumber(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`${name} must be a positive number, received "${value}".`);
    return parsed;
  };
}

/** Returns a commander parser that accepts an integer of zero or more for the option `name`. */
export function parseNonNegativeInteger(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be an integer of 0 or more, received "${value}".`);
    return parsed;
  };
}

/**
 * Adds the options of commands that read the model registry and write a tracked run:
 * `--models-dir` and `--db`, which default to $SNAPCLASS_MODELS_DIR and $SNAPCLASS_DB, and `--json`.
 */
export function addRegistryOptions(command: Command): Command {
  return command
    .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
    .option('--db <file>', 'SQLite file of the run store', process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
    .option('--json', 'print one JSON object instead of tables', false);
}
