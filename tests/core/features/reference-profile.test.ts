import { describe, expect, it } from 'vitest';
import { buildReferenceProfile, computeImageStatistics, referenceProfileSchema, summarizeDistribution } from '../../../core/features/reference-profile.js';

describe('computeImageStatistics', () => {
  it('computes mean, contrast and ink of a half-white image', () => {
    const pixels = Uint8Array.from([0, 0, 255, 255]);

    const statistics = computeImageStatistics(pixels);

    expect(statistics.meanIntensity).toBeCloseTo(0.5, 10);
    expect(statistics.contrast).toBeCloseTo(1, 10);
    expect(statistics.inkCoverage).toBe(0.5);
  });

  it('averages channels per pixel', () => {
    const statistics = computeImageStatistics(Uint8Array.from([30, 30, 30, 0, 0, 0]), 3);

    expect(statistics.meanIntensity).toBeCloseTo(15 / 255, 10);
    expect(statistics.inkCoverage).toBe(0.5);
  });
});

describe('buildReferenceProfile', () => {
  it('summarises images and class mix', () => {
    const images = Uint8Array.from([0, 0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 255]);
    const labels = Uint8Array.from([0, 1, 1]);

    const profile = buildReferenceProfile(images, labels, 3, { height: 2, width: 2, channels: 1 }, ['dark', 'light']);

    expect(referenceProfileSchema.parse(profile)).toEqual(profile);
    expect(profile.imageCount).toBe(3);
    expect(profile.classMix).toEqual({ dark: 1 / 3, light: 2 / 3 });
    expect(profile.statistics.meanIntensity.mean).toBeCloseTo(0.5, 10);
    expect(profile.statistics.inkCoverage.quantiles.p50).toBe(0.5);
    expect(profile.statistics.inkCoverage.histogram[0]).toBeCloseTo(1 / 3, 10);
    expect(profile.statistics.inkCoverage.histogram[19]).toBeCloseTo(1 / 3, 10);
  });

  it('rejects an empty set', () => {
    expect(() => buildReferenceProfile(new Uint8Array(0), new Uint8Array(0), 0, { height: 2, width: 2, channels: 1 }, ['a'])).toThrow(RangeError);
  });
});

describe('summarizeDistribution', () => {
  it('gives nearest-rank quantiles', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => (i + 1) / 100);

    const summary = summarizeDistribution(values, 10);

    expect(summary.quantiles.p01).toBe(0.01);
    expect(summary.quantiles.p50).toBe(0.5);
    expect(summary.quantiles.p99).toBe(0.99);
    expect(summary.histogram.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 10);
  });
});
