import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../api/service.js';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { addBrightness } from '../../core/quality/pixel-corruptions.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';
import { postPixels, startMonitoredService } from '../api/monitoring-test-service.js';

// Drives the monitoring dashboard in Debian's headless Chromium against the real service, and
// checks that its charts follow windows as they close.

const CHROMIUM = '/usr/bin/chromium';
const WINDOW = 40;

let service: RunningService;
let browser: Browser;
let page: Page;
let tempDir: string;
let modelsRoot: string;
let test: ImageSet;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing, so the dashboard cannot be tested. Install Debian's package: apt-get install -y chromium`);
  }
  const trained = await trainTinyModel();
  modelsRoot = trained.root;
  tempDir = makeTempDir('dashboard');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  service = await startMonitoredService({ registry: trained.registry, modelsRoot, dbFile: path.join(tempDir, 'snapclass.db'), monitoring: { windowSize: WINDOW } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
});

afterAll(async () => {
  await browser?.close();
  await service?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  if (modelsRoot) fs.rmSync(modelsRoot, { recursive: true, force: true });
});

async function sendWindow(offset: number, brightness: number): Promise<void> {
  for (let i = 0; i < WINDOW; i++) {
    const index = (offset + i) % test.count;
    const pixels = test.images.subarray(index * 784, (index + 1) * 784);
    const { status } = await postPixels(service, brightness === 0 ? pixels : addBrightness(pixels, brightness));
    expect(status).toBe(201);
  }
  expect(await service.monitor.poll()).toBe(1);
}

describe('dashboard', () => {
  it('shows an empty state before windows', async () => {
    await page.goto(`${service.url}/dashboard?refresh=200`);
    expect(await page.title()).toBe('snapclass: monitoring');
    await expect.poll(() => page.locator('#state').getAttribute('data-state')).toBe('ok');
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#model-version').textContent()).toBe('v1');
    expect(await page.locator('#baseline-status').textContent()).toBe('ready');
  });

  it('updates charts as windows close', async () => {
    await sendWindow(0, 0);
    await expect.poll(() => page.locator('body').getAttribute('data-windows')).toBe('1');
    expect(await page.locator('#empty').isVisible()).toBe(false);
    expect(await page.locator('#state').textContent()).toBe('ok');

    await sendWindow(WINDOW, 0.3);
    await sendWindow(2 * WINDOW, 0.3);
    await expect.poll(() => page.locator('body').getAttribute('data-windows'), { timeout: 10_000 }).toBe('3');
    await expect.poll(() => page.locator('#state').getAttribute('data-state')).toBe('drift');
    expect(await page.locator('#drifted').textContent()).toContain('ks.meanIntensity');

    // One point per window in the time series.
    expect(await page.locator('#chart-latency path[data-series="p95"]').getAttribute('data-points')).toBe('3');
    expect(await page.locator('#chart-traffic path[data-series="predictions/s"]').getAttribute('data-points')).toBe('3');

    // Every test of the latest window has a panel with its threshold line; KS on mean intensity
    // is drawn as -log10(p) against -log10(1e-4) = 4 and marked drifted.
    const panel = page.locator('#drift-tests figure[data-test="ks.meanIntensity"]');
    expect(await panel.getAttribute('data-drifted')).toBe('true');
    expect(Number(await panel.locator('line.threshold').getAttribute('data-value'))).toBeCloseTo(4, 10);
    expect(await page.locator('#drift-tests figure').count()).toBe(11);
    expect(await page.locator('#drift-tests figure[data-test="psi.contrast"] figcaption').textContent()).toContain('skipped');

    expect(await page.locator('#class-mix .class-mix-row').count()).toBe(10);
    expect(await page.locator('#chart-accuracy line.reference').count()).toBe(1);
  });
});
