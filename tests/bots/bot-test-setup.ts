import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import sharp from 'sharp';
import { startService, type RunningService } from '../../api/service.js';
import { loadBotConfig, type BotConfig } from '../../bots/config.js';
import type { BotServices } from '../../bots/shared/bot-services.js';
import { buildBotServices } from '../../bots/shared/bot-services.js';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import { loadServiceConfig } from '../../core/config.js';
import { argmax } from '../../core/evaluation/metrics.js';
import { silentLogger } from '../../core/logger.js';
import { predictProbabilities } from '../../core/serving/predict-probabilities.js';
import { hashUserId } from '../../core/serving/user-hash.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';

export const USER_SALT = 'bot-test-salt-0123456789';

/** A Fashion-MNIST test image that the tiny model classifies as its true class. */
export interface SampleImage {
  png: Uint8Array;
  label: string;
  classIndex: number;
  confidence: number;
}

/** A running API service with a tiny model, and the bot services built on it. */
export interface BotTestEnvironment {
  service: RunningService;
  services: BotServices;
  botConfig: BotConfig;
  classNames: string[];
  /** Test images the model gets right with confidence of at least 0.5, best first. */
  samples: SampleImage[];
  hashUser(userId: string): string;
  rows<T = Record<string, any>>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

/**
 * Trains the tiny model, starts the API service on 127.0.0.1 with a temporary database, and
 * picks sample images whose in-process prediction is their true class.
 */
export async function setUpBotTest(args: { routers?: RequestHandler[]; env?: NodeJS.ProcessEnv } = {}): Promise<BotTestEnvironment> {
  const { registry, root } = await trainTinyModel();
  const tempDir = makeTempDir('bots');
  const config = { ...loadServiceConfig({}), port: 0, dbFile: path.join(tempDir, 'snapclass.db'), modelsDir: root, userSalt: USER_SALT };
  const service = await startService({ config, registry, logger: silentLogger, routers: args.routers });
  const botConfig = loadBotConfig(args.env ?? {});
  const services = buildBotServices({ ...service, registry, maxFileBytes: config.maxUploadBytes }, botConfig);

  const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
  const classNames = [...dataset.classNames];
  const loaded = service.predictions.model!;
  const count = 40;
  const probabilities = await predictProbabilities(loaded.model, dataset.test.images.subarray(0, count * 784), count, loaded.metadata.preprocessing);
  const samples: SampleImage[] = [];
  for (let i = 0; i < count; i++) {
    const classIndex = argmax(probabilities, i * 10, 10);
    const confidence = probabilities[i * 10 + classIndex] as number;
    if (classIndex !== dataset.test.labels[i] || confidence < 0.5) continue;
    const pixels = dataset.test.images.subarray(i * 784, (i + 1) * 784);
    const png = new Uint8Array(await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
    samples.push({ png, label: classNames[classIndex] as string, classIndex, confidence });
  }
  samples.sort((a, b) => b.confidence - a.confidence);
  if (samples.length < 3) throw new Error(`Only ${samples.length} confident, correct test images; the tiny model is too weak for bot tests.`);

  return {
    service,
    services,
    botConfig,
    classNames,
    samples,
    hashUser: (userId) => hashUserId(userId, USER_SALT) as string,
    rows: (sql, ...params) => service.database.sqlite.prepare(sql).all(...params) as any[],
    async close() {
      await service.close();
      fs.rmSync(tempDir, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 10 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined, description: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${description}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
