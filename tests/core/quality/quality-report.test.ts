import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { buildQualityReport, type QualityReport } from '../../../core/quality/build-quality-report.js';
import { loadModelSplits } from '../../../core/quality/model-data.js';
import { registerQuantizedVariant } from '../../../core/quality/quantized-variants.js';
import type { ReportSettings } from '../../../core/quality/report-settings.js';
import { writeQualityReport, type WrittenReport } from '../../../core/quality/write-quality-report.js';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../../helpers/tiny-model.js';

const TINY_SETTINGS: ReportSettings = {
  corruptionSample: 60,
  adversarialSample: 40,
  epsilons: [0.02, 0.1],
  pgdSteps: 3,
  saliencyPerClass: 4,
  occlusionPerClass: 1,
  permutationSample: 80,
  permutationRepeats: 1,
  mistakeCount: 6,
  latencyRuns: 3,
  variantSample: null,
  seed: 3,
};

describe('quality report on the mini data set', () => {
  let registry: ModelRegistry;
  let modelsRoot: string;
  let reportsRoot: string;
  let report: QualityReport;
  let written: WrittenReport;

  beforeAll(async () => {
    await selectBackend({ logger: silentLogger });
    const tiny = await trainTinyModel();
    registry = tiny.registry;
    modelsRoot = tiny.root;
    reportsRoot = makeTempDir('reports');
    const { validation, test } = await loadModelSplits(tiny.metadata, {
      dataset: { kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR },
      expectedChecksums: null,
    });
    await registerQuantizedVariant({ registry, version: 'v1', dtype: 'uint8', validation });

    const { model, metadata } = await registry.load('v1');
    const built = await buildQualityReport({
      model,
      metadata,
      stage: 'production',
      validation,
      test,
      settings: TINY_SETTINGS,
      quick: true,
      backend: 'test',
      registry,
      saveTemperature: true,
    });
    model.dispose();
    report = built.report;
    written = await writeQualityReport(reportsRoot, report, built.figures);
  });

  afterAll(() => {
    fs.rmSync(modelsRoot, { recursive: true, force: true });
    fs.rmSync(reportsRoot, { recursive: true, force: true });
  });

  it('writes both files under the version', () => {
    expect(written.dir).toBe(path.join(reportsRoot, 'v1'));
    expect(JSON.parse(fs.readFileSync(written.json, 'utf8'))).toMatchObject({ model: { version: 'v1', stage: 'production' }, quick: true });
  });

  it('measures every section on the test split', () => {
    expect(report.test.count).toBe(200);
    expect(report.slices.overall.size).toBe(200);
    expect(report.slices.slices).toHaveLength(10 + 12 + 1);
    expect(report.corruptions.curves).toHaveLength(9);
    expect(report.corruptions.sampleSize).toBe(60);
    expect(report.adversarial.results.map((result) => result.epsilon)).toEqual([0.02, 0.1]);
    expect(report.explanations.examples.length).toBeGreaterThan(0);
    expect(report.explanations.classes).toHaveLength(10);
    expect(report.explanations.permutation.regions).toHaveLength(16);
    expect(report.confidentMistakes.length).toBeLessThanOrEqual(6);
  });

  it('weakens the model under attack', () => {
    const [weak, strong] = report.adversarial.results;
    expect(strong?.pgdAccuracy).toBeLessThanOrEqual(weak?.pgdAccuracy as number);
    expect(strong?.pgdAccuracy).toBeLessThan(report.adversarial.cleanAccuracy);
  });

  it('fits on validation and saves the temperature', () => {
    expect(report.calibration.validation.count).toBe(100);
    expect(report.calibration.test.count).toBe(200);
    expect(report.calibration.exactLogits).toBe(true);
    const saved = registry.readMetadata('v1').calibration;
    expect(saved?.temperature).toBe(report.calibration.temperature);
    expect(saved?.validationCount).toBe(100);
  });

  it('compares the quantized variant', () => {
    expect(report.variants?.original.version).toBe('v1');
    expect(report.variants?.variants.map((variant) => [variant.version, variant.dtype])).toEqual([['v2', 'uint8']]);
    expect(report.variants?.variants[0]?.agreement).toBeGreaterThanOrEqual(0.99);
  });

  it('renders a self-contained page', () => {
    const html = fs.readFileSync(written.html, 'utf8');
    for (const id of ['slices', 'corruptions', 'adversarial', 'calibration', 'explanations', 'mistakes', 'variants']) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).toContain('<svg');
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
  });
});
