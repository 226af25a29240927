import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` in the folder of `importMetaUrl`, with that
 * module's extension: the TypeScript source under tsx and vitest, the compiled file otherwise.
 * Node 20 does not apply the parent's tsx loader to workers, so a TypeScript entry is started
 * from a small script that registers tsx in the worker first.
 */
export function startWorker(importMetaUrl: string, name: string, options: WorkerOptions): Worker {
  const caller = fileURLToPath(importMetaUrl);
  const file = path.join(path.dirname(caller), `${name}${path.extname(caller)}`);
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
