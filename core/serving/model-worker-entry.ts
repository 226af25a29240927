import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../backend/select-backend.js';
import { pixelsToTensor } from '../features/preprocessing.js';
import { silentLogger } from '../logger.js';
import { probeModel } from '../monitoring/model-probe.js';
import { ModelRegistry, type LoadedModel } from '../registry/model-registry.js';
import type { ModelWorkerData, ModelWorkerReply, ModelWorkerRequest } from './model-worker.js';

// Entry point of the worker thread that ModelWorker starts: it runs batches through models
// loaded from the registry folder, on the backend the service uses, so the model's CPU time is
// spent outside the thread that serves HTTP.

/** Versions kept loaded; a rollout serves at most two at once, and a third covers a swap. */
const MAX_LOADED_VERSIONS = 3;

const data = workerData as ModelWorkerData;
const registry = new ModelRegistry(data.modelsDir);
const models = new Map<string, Promise<LoadedModel>>();
const backendReady = selectBackend({ logger: silentLogger, preferred: data.backend as BackendName });

parentPort!.on('message', (request: ModelWorkerRequest) => {
  void runRequest(request).then((reply) => {
    const transfer = 'probabilities' in reply ? [reply.probabilities.buffer, ...(reply.embeddings ? [reply.embeddings.buffer] : [])] : [];
    parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
  });
});

async function runRequest(request: ModelWorkerRequest): Promise<ModelWorkerReply> {
  try {
    await backendReady;
    const { model, metadata } = await loadModel(request.modelVersion);
    if (request.withEmbeddings) {
      const probe = await probeModel(model, request.pixels, request.count, metadata.preprocessing);
      return { id: request.id, probabilities: probe.probabilities, embeddings: probe.embeddings, embeddingSize: probe.embeddingSize };
    }
    const output = tf.tidy(() => model.predict(pixelsToTensor(request.pixels, request.count, metadata.preprocessing)) as tf.Tensor2D);
    try {
      return { id: request.id, probabilities: (await output.data()) as Float32Array, embeddings: null, embeddingSize: 0 };
    } finally {
      output.dispose();
    }
  } catch (error) {
    return { id: request.id, error: { message: (error as Error).message, code: (error as { code?: string }).code ?? null } };
  }
}

/** Loads a version once, and disposes the least recently used one beyond MAX_LOADED_VERSIONS. */
function loadModel(version: string): Promise<LoadedModel> {
  let loading = models.get(version);
  if (loading) {
    // Map order is insertion order, so moving the entry to the end marks it as recently used.
    models.delete(version);
    models.set(version, loading);
    return loading;
  }

  loading = registry.load(version);
  // A failed load is retried with the next batch instead of being cached.
  loading.catch(() => models.delete(version));
  models.set(version, loading);
  while (models.size > MAX_LOADED_VERSIONS) {
    const [oldest, previous] = models.entries().next().value as [string, Promise<LoadedModel>];
    models.delete(oldest);
    previous.then((loaded) => loaded.model.dispose(), () => undefined);
  }
  return loading;
}
