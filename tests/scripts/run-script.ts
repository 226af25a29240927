import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Repository root, where the scripts run. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Starts `scripts/<name>.ts` under tsx with quiet logs; the caller waits for it or kills it. */
export function startScript(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join('scripts', `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Output and exit of a finished script. */
export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a started script's output until it exits. */
export function waitForExit(child: ChildProcess): Promise<ScriptResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Runs `scripts/<name>.ts` to the end and returns its output. */
export function runScript(name: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  return waitForExit(startScript(name, args, env));
}
