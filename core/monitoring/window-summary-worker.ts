import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../backend/select-backend.js';
import { silentLogger } from '../logger.js';
import { createRandom } from '../random.js';
import { ModelRegistry, type LoadedModel } from '../registry/model-registry.js';
import { summarizeWindow } from './summarize-window.js';
import type { WindowSummaryReply, WindowSummaryRequest, WindowSummaryWorkerData } from './window-summarizer.js';

// Entry point of the worker thread that WindowSummarizer starts. It runs summarizeWindow (a
// model pass over the window and the drift tests) away from the thread that serves requests.
// The worker loads models from the registry folder itself, on the backend the service uses.

const data = workerData as WindowSummaryWorkerData;
const registry = new ModelRegistry(data.modelsDir);
const random = createRandom(data.seed);
const models = new Map<string, Promise<LoadedModel>>();
const backendReady = selectBackend({ logger: silentLogger, preferred: data.backend as BackendName });

parentPort!.on('message', (request: WindowSummaryRequest) => {
  void summarizeRequest(request).then((reply) => parentPort!.postMessage(reply));
});

async function summarizeRequest(request: WindowSummaryRequest): Promise<WindowSummaryReply> {
  try {
    await backendReady;
    const loaded = await loadModel(request.options.modelVersion);
    const { modelVersion: _, ...options } = request.options;
    const summary = await summarizeWindow(request.input, { ...options, loaded, random });
    return { id: request.id, summary };
  } catch (error) {
    return { id: request.id, error: { message: (error as Error).message, backend: tf.getBackend() } };
  }
}

/** Loads a model version once. Windows follow the serving model, so other versions are disposed. */
function loadModel(version: string): Promise<LoadedModel> {
  let loading = models.get(version);
  if (loading) return loading;

  for (const [other, previous] of models) {
    models.delete(other);
    previous.then((model) => model.model.dispose(), () => undefined);
  }
  loading = registry.load(version);
  // A failed load is retried with the next window instead of being cached.
  loading.catch(() => models.delete(version));
  models.set(version, loading);
  return loading;
}
