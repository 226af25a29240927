import * as tf from '@tensorflow/tfjs';

import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { registerWasmBatchMatMul } from './batch-mat-mul-wasm.js';
import { registerWasmConv2DBackpropFilter } from './conv2d-backprop-filter-wasm.js';
import { registerWasmConv2DBackpropInput } from './conv2d-backprop-input-wasm.js';
import { registerWasmMaxPoolGrad } from './max-pool-grad-wasm.js';
import { BackendUnavailableError } from './errors.js';

/** TensorFlow.js backends that snapclass can run on, fastest first. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces one backend and turns off fallback. */
export const BACKEND_ENV_VAR = 'SNAPCLASS_BACKEND';

/** Options for {@link selectBackend}. */
export interface SelectBackendArgs {
  logger: Logger;
  /** Backend to try first. The others follow in the default order. Defaults to 'tensorflow'. */
  preferred?: BackendName;
  /**
   * Worker threads for the wasm backend, a positive integer. Applied only where the runtime
   * supports wasm threads. Under Node, tfjs-backend-wasm 4.22.0 always runs on one thread, so a
   * value above 1 logs a warning there. Ignored by the other backends.
   */
  threads?: number;
}

/** The backend that {@link selectBackend} set, and why each one tried before it was skipped. */
export interface BackendSelection {
  name: BackendName;
  /** One `name: reason` entry per backend that failed to start, in the order tried. */
  fallbacks: string[];
}

interface BackendRequest {
  candidates: BackendName[];
  forced: boolean;
  threads: number | undefined;
}

// Module specifier kept in a variable so TypeScript does not require the optional package's types.
const TFJS_NODE_MODULE = '@tensorflow/tfjs-node';

let lastSelection: { key: string; selection: Promise<BackendSelection> } | undefined;

/**
 * Sets the global TensorFlow.js backend to the fastest one that starts: `tensorflow`
 * (@tensorflow/tfjs-node, native libtensorflow), then `wasm` (@tensorflow/tfjs-backend-wasm),
 * then the pure JavaScript `cpu`. Before starting wasm it registers snapclass's
 * Conv2DBackpropFilter kernel, which wasm lacks, and a faster Conv2DBackpropInput kernel, so CNNs
 * train there. `SNAPCLASS_BACKEND` (tensorflow, wasm or cpu) forces one backend, and then a
 * failure to start it throws instead of falling back. Logs the chosen backend at info level and
 * each fallback, with its reason, as a warning.
 *
 * Calling it again with the same request while that backend is still active returns the same
 * selection without starting anything or logging again. A different request selects anew.
 *
 * @throws ConfigError when `SNAPCLASS_BACKEND`, `preferred` or `threads` is invalid.
 * @throws BackendUnavailableError when the forced backend, or every backend, fails to start.
 *
 * @example
 * const { name } = await selectBackend({ logger });
 * // name is 'wasm' on a machine without @tensorflow/tfjs-node
 */
export async function selectBackend(args: SelectBackendArgs): Promise<BackendSelection> {
  const request = resolveRequest(args);
  const key = JSON.stringify(request);

  if (lastSelection?.key === key) {
    const previous = await lastSelection.selection.catch(() => undefined);
    if (previous !== undefined && tf.getBackend() === previous.name) {
      return { name: previous.name, fallbacks: [...previous.fallbacks] };
    }
  }

  const selection = runSelection(request, args.logger.child({ component: 'backend' }));
  lastSelection = { key, selection };
  try {
    const result = await selection;
    return { name: result.name, fallbacks: [...result.fallbacks] };
  } catch (error) {
    if (lastSelection?.selection === selection) {
      lastSelection = undefined;
    }
    throw error;
  }
}

function resolveRequest(args: SelectBackendArgs): BackendRequest {
  const { preferred, threads } = args;
  if (preferred !== undefined && !isBackendName(preferred)) {
    throw new ConfigError(
      `preferred is '${String(preferred)}', which is not a backend: pass one of ${BACKEND_NAMES.join(', ')}, or omit it.`,
    );
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new ConfigError(`threads is ${threads}, which is not a positive integer: pass 1 or more, or omit it.`);
  }

  const forcedName = readForcedBackend();
  if (forcedName !== undefined) {
    return { candidates: [forcedName], forced: true, threads };
  }

  const first = preferred ?? BACKEND_NAMES[0];
  const candidates = [first, ...BACKEND_NAMES.filter((name) => name !== first)];
  return { candidates, forced: false, threads };
}

function readForcedBackend(): BackendName | undefined {
  const raw = process.env[BACKEND_ENV_VAR];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  if (!isBackendName(raw)) {
    throw new ConfigError(
      `${BACKEND_ENV_VAR} is '${raw}', which is not a backend: set it to one of ` +
        `${BACKEND_NAMES.join(', ')}, or unset it to use the fastest one that starts.`,
    );
  }
  return raw;
}

function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

async function runSelection(request: BackendRequest, logger: Logger): Promise<BackendSelection> {
  const fallbacks: string[] = [];

  for (const [index, name] of request.candidates.entries()) {
    try {
      const details = await startBackend(name, request.threads, logger);
      logger.info({ backend: name, fallbacks, ...details }, `Using the ${name} TensorFlow.js backend`);
      return { name, fallbacks };
    } catch (error) {
      const reason = describeError(error);
      if (request.forced) {
        throw new BackendUnavailableError(
          `${BACKEND_ENV_VAR} is '${name}', but the ${name} backend failed to start: ${reason}. ` +
            `${installHint(name)}Or set ${BACKEND_ENV_VAR} to another backend, or unset it.`,
          { cause: error },
        );
      }
      fallbacks.push(`${name}: ${reason}`);
      const next = request.candidates[index + 1];
      logger.warn(
        { backend: name, reason, fallback: next ?? null },
        next === undefined
          ? `The ${name} backend failed to start, and no backend is left to try`
          : `The ${name} backend failed to start, falling back to ${next}`,
      );
    }
  }

  throw new BackendUnavailableError(`No TensorFlow.js backend could start: ${fallbacks.join('; ')}.`);
}

/** Starts one backend, makes it the active one, and returns details for the info log line. */
async function startBackend(
  name: BackendName,
  threads: number | undefined,
  logger: Logger,
): Promise<Record<string, unknown>> {
  switch (name) {
    case 'tensorflow':
      // Importing @tensorflow/tfjs-node registers the 'tensorflow' backend with tfjs-core.
      await import(TFJS_NODE_MODULE);
      await activate('tensorflow');
      return {};
    case 'wasm':
      return startWasm(threads, logger);
    case 'cpu':
      await activate('cpu');
      return {};
  }
}

async function startWasm(threads: number | undefined, logger: Logger): Promise<Record<string, unknown>> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
  registerWasmMaxPoolGrad();
  registerWasmBatchMatMul();

  // tfjs-backend-wasm picks its binary from these two flags: plain, SIMD, or threaded SIMD. SIMD
  // is detected by validating a small SIMD module. Threads are reported false under Node in
  // 4.22.0, because the threaded build starts its workers from blob: URLs that Node's Worker
  // rejects, so there is nothing to turn on here.
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threadsSupported = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  if (threads !== undefined && threadsSupported) {
    wasm.setThreadsCount(threads);
  } else if (threads !== undefined && threads > 1) {
    logger.warn(
      { backend: 'wasm', threads },
      `The wasm backend cannot use ${threads} threads in this runtime and runs on one thread`,
    );
  }
  if (!simd) {
    logger.warn({ backend: 'wasm' }, 'WebAssembly SIMD is not supported, so the wasm backend runs its slower plain build');
  }

  await activate('wasm');
  return { simd, threads: wasm.getThreadsCount() };
}

async function activate(name: BackendName): Promise<void> {
  // setBackend returns false, after printing tfjs's own warning, when initialization fails.
  const started = await tf.setBackend(name);
  if (!started) {
    throw new Error(`tf.setBackend('${name}') returned false, so its initialization failed`);
  }
  await tf.ready();
}

function installHint(name: BackendName): string {
  return name === 'tensorflow'
    ? `Install ${TFJS_NODE_MODULE}, whose install script downloads libtensorflow. `
    : '';
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
