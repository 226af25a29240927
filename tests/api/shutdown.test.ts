import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';
import { startTestService } from './test-service.js';

// Starts the real service process (scripts/start.ts under tsx), sends SIGTERM while requests
// are in flight, and checks that they complete and the process exits 0.

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');
const SHUTDOWN_TIMEOUT_MS = 2000;

let modelsRoot: string;
let tempDir: string;
let png: Buffer;

beforeAll(async () => {
  // The start script trains a model on the full data set when the registry has none, so give it one.
  modelsRoot = (await trainTinyModel()).root;
  tempDir = makeTempDir('shutdown');
  const test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  png = await sharp(test.images.subarray(0, 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
});

afterAll(() => {
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

/** The spawned service with its output so far. */
interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnService(dbFile: string): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: '0',
      SNAPCLASS_DB: dbFile,
      SNAPCLASS_MODELS_DIR: modelsRoot,
      SNAPCLASS_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (!match) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(match);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`The service printed no line matching ${pattern} within ${timeoutMs} ms. Output:\n${text}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { child, output: () => text, waitForOutput, exited };
}

/** Starts a POST whose body is sent in two parts, so the test decides when the request completes. */
function startSlowUpload(port: number, agent: http.Agent | false = false): { finish(): void; answer: Promise<{ status: number; body: any }> } {
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/predictions?source=shutdown-test',
    agent,
    headers: { 'content-type': 'image/png', 'content-length': png.length },
  });
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on('error', reject);
  });
  request.write(png.subarray(0, 100));
  return { finish: () => request.end(png.subarray(100)), answer };
}

function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      resolve(`HTTP ${response.statusCode}`);
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('service shutdown', () => {
  it('finishes requests in flight on SIGTERM', async () => {
    const dbFile = path.join(tempDir, 'snapclass.db');
    const service = spawnService(dbFile);
    try {
      const [, url] = await service.waitForOutput(/snapclass is serving v1 at (http:\/\/\S+)/, 60_000);
      const port = Number(new URL(url!).port);
      expect(await connect(port)).toBe('HTTP 200');

      const uploads = [startSlowUpload(port), startSlowUpload(port), startSlowUpload(port)];
      const stalled = startSlowUpload(port);
      // Let the server read the request heads before the signal arrives.
      await new Promise((resolve) => setTimeout(resolve, 300));

      const signalledAt = performance.now();
      service.child.kill('SIGTERM');
      await service.waitForOutput(/service stopping/, 10_000);
      expect(await connect(port)).toBe('ECONNREFUSED');

      for (const upload of uploads) upload.finish();
      const answers = await Promise.all(uploads.map((upload) => upload.answer));
      for (const answer of answers) {
        expect(answer.status).toBe(201);
        expect(answer.body.modelVersion).toBe('v1');
      }

      // The fourth client never sends the rest of its body; the deadline drops it.
      await expect(stalled.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
      const { code, signal } = await service.exited;
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(performance.now() - signalledAt).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 50);
      expect(service.output()).toMatch(/database closed/);
      expect(service.output()).toMatch(/service stopped/);

      const db = new Database(dbFile, { readonly: true });
      try {
        const rows = db.prepare("SELECT id FROM predictions WHERE source = 'shutdown-test'").all() as { id: string }[];
        expect(rows.map((row) => row.id).sort()).toEqual(answers.map((answer) => answer.body.id).sort());
      } finally {
        db.close();
      }
    } finally {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    }
  });

  it('closes keep-alive connections once idle', async () => {
    const t = await startTestService();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const port = Number(new URL(t.service.url).port);
      const upload = startSlowUpload(port, agent);
      await new Promise((resolve) => setTimeout(resolve, 200));

      const started = performance.now();
      const closed = t.service.close();
      upload.finish();
      expect((await upload.answer).status).toBe(201);
      await closed;

      // The default deadline is 10 s; the connection is dropped as soon as its response is sent.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(t.service.database.sqlite.open).toBe(false);
    } finally {
      agent.destroy();
      await t.stop();
    }
  });
});
