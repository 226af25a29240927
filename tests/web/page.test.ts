import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFixtures } from '../fixtures/images/read-fixtures.js';
import { startTestService, type TestService } from '../api/test-service.js';

// Drives the web page in Debian's headless Chromium against the real service.

const CHROMIUM = '/usr/bin/chromium';
const fixtures = readImageFixtures();

let t: TestService;
let browser: Browser;
let page: Page;
let uploadDir: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing, so the web page cannot be tested. Install Debian's package: apt-get install -y chromium`);
  }
  t = await startTestService();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  uploadDir = fs.mkdtempSync(path.join(path.dirname(t.dbFile), 'uploads-'));
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

function writeUpload(file: string, bytes: Uint8Array): string {
  const target = path.join(uploadDir, file);
  fs.writeFileSync(target, bytes);
  return target;
}

describe('web page', () => {
  it('classifies an upload and stores feedback', async () => {
    await page.goto(t.service.url);
    expect(await page.title()).toBe('snapclass: classify a clothing photo');

    const entry = fixtures.get('baseline.jpg')!;
    await page.setInputFiles('#file-input', writeUpload('item.jpg', entry.bytes));
    await page.locator('#result').waitFor({ state: 'visible' });

    const label = await page.locator('#label').textContent();
    expect(label).toBe(t.expectedLabel(entry.sourceIndex!));
    expect(await page.locator('#model-version').textContent()).toBe('v1');
    const bars = page.locator('#top-k li');
    expect(await bars.count()).toBe(3);
    expect(await bars.first().getAttribute('data-label')).toBe(label);
    const firstWidth = await bars.first().locator('.bar').evaluate((bar) => (bar as HTMLElement).style.width);
    expect(firstWidth).toMatch(/^\d+(\.\d)?%$/);

    const predictionId = (await page.locator('#prediction-id').textContent())!;
    const row = t.readDatabase((db) => db.prepare('SELECT label, source FROM predictions WHERE id = ?').get(predictionId));
    expect(row).toEqual({ label, source: 'web' });

    // Mark it wrong and name another class.
    await page.click('#mark-incorrect');
    const options = await page.locator('#correct-label option').allTextContents();
    expect(options).toHaveLength(t.classNames.length - 1);
    expect(options).not.toContain(label);
    const rightClass = options[0]!;
    await page.selectOption('#correct-label', rightClass);
    await page.click('#send-correction');
    await expect.poll(() => page.locator('#feedback-status').textContent()).toBe(`Thanks: marked as wrong, the right class is ${rightClass}.`);

    const feedback = t.readDatabase((db) => db.prepare('SELECT verdict, label, source FROM feedback WHERE prediction_id = ?').all(predictionId));
    expect(feedback).toEqual([{ verdict: 'incorrect', label: rightClass, source: 'web' }]);

    // A second verdict from the same browser replaces the first.
    await page.click('#mark-correct');
    await expect.poll(() => page.locator('#feedback-status').textContent()).toBe('Thanks: marked as right.');
    const replaced = t.readDatabase((db) => db.prepare('SELECT verdict, label FROM feedback WHERE prediction_id = ?').all(predictionId));
    expect(replaced).toEqual([{ verdict: 'correct', label }]);
  });

  it('shows API errors in words', async () => {
    await page.goto(t.service.url);
    await page.setInputFiles('#file-input', writeUpload('notes.png', fixtures.get('notes.png')!.bytes));

    const error = page.locator('#error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toBe(
      'The upload is not a raster image. Send a PNG, JPEG, WebP, GIF or TIFF image. (HTTP 415, unsupported_media_type)',
    );
    expect(await page.locator('#result').isHidden()).toBe(true);
  });

  it('accepts a dropped file', async () => {
    await page.goto(t.service.url);
    const entry = fixtures.get('gray-8bit.png')!;
    const base64 = Buffer.from(entry.bytes).toString('base64');

    await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      document.getElementById('drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, base64);

    await page.locator('#result').waitFor({ state: 'visible' });
    expect(await page.locator('#label').textContent()).toBe(t.expectedLabel(entry.sourceIndex!));
  });
});
