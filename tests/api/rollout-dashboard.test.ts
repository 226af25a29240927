import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS } from '../../core/lifecycle/gate-settings.js';
import { startRolloutService, trainTwoModels, type RolloutTestService, type TwoModelRegistry } from './rollout-service.js';

// Opens the dashboard in Debian's headless Chromium and checks that its rollout panel follows
// a canary started through the rollout table.

const CHROMIUM = '/usr/bin/chromium';

let models: TwoModelRegistry;
let api: RolloutTestService;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing, so the dashboard cannot be tested. Install Debian's package: apt-get install -y chromium`);
  models = await trainTwoModels();
  api = await startRolloutService(models);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  if (models) fs.rmSync(models.root, { recursive: true, force: true });
});

it('dashboard shows the canary and its gates', async () => {
  await page.goto(`${api.service.url}/dashboard`);
  const panel = page.locator('#rollout');
  await expect.poll(() => panel.textContent()).toContain('production v1, serving v1');
  expect(await panel.textContent()).toContain('No rollout has run yet');

  api.cli.start({ kind: 'canary', productionVersion: 'v1', candidateVersion: 'v2', percent: 40, gates: DEFAULT_GATE_SETTINGS, automatic: true });
  await api.predict(0, 'dashboard-user');
  await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain('rollout 1: canary of v2, 40% of users, active');
  expect(await panel.locator('table.rollout-arms tr').count()).toBe(3);
  expect(await panel.textContent()).toContain('gates: wait');
  expect(await panel.textContent()).toContain('canary of v2 started for 40% of users (production v1)');
});
