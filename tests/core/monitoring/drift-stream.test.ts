import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageSet } from '../../../core/data/image-set.js';
import { DRIFT_PRESETS, firstOnset, parseDriftSchedule, resolveDriftSchedule, strengthAt } from '../../../core/monitoring/drift-schedule.js';
import { generateDriftStream } from '../../../core/monitoring/drift-stream.js';

const CLASS_NAMES = ['a', 'b', 'c', 'd'];

/** 400 images of 4x4 pixels, 100 per class; image i has every pixel at 10 + (i % 50) and label i % 4. */
function makeImages(): ImageSet {
  const count = 400;
  const images = new Uint8Array(count * 16);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.fill(10 + (i % 50), i * 16, (i + 1) * 16);
    labels[i] = i % 4;
  }
  return { images, labels, count, height: 4, width: 4 };
}

function collect(schedule = DRIFT_PRESETS.none!, seed = 1, durationSeconds = 20) {
  return [...generateDriftStream({ images: makeImages(), classNames: CLASS_NAMES, schedule, seed, batchSize: 10, durationSeconds })];
}

describe('drift schedule', () => {
  it('ramps strength after onset', () => {
    const drift = { type: 'brightness' as const, onset: 10, ramp: 4, strength: 0.2 };
    expect(strengthAt(drift, 9.9)).toBe(0);
    expect(strengthAt(drift, 10)).toBe(0);
    expect(strengthAt(drift, 12)).toBeCloseTo(0.1, 12);
    expect(strengthAt(drift, 20)).toBe(0.2);
    expect(strengthAt({ ...drift, ramp: 0 }, 10)).toBe(0.2);
  });

  it('reads a JSON schedule file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'snapclass-schedule-')), 'custom.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'custom', drifts: [{ type: 'noise', onset: 5, strength: 0.1 }, { type: 'blur', onset: 3, ramp: 2, strength: 1 }] }));
    const schedule = resolveDriftSchedule(file);
    expect(schedule.drifts[0]).toEqual({ type: 'noise', onset: 5, ramp: 0, strength: 0.1 });
    expect(firstOnset(schedule)).toBe(3);
  });

  it('rejects invalid schedules plainly', () => {
    expect(() => resolveDriftSchedule('sunburn')).toThrow(/Unknown drift preset "sunburn". Use one of: none, brightness/);
    expect(() => parseDriftSchedule({ name: 'x', drifts: [{ type: 'label-swap', onset: 0, strength: 1, classes: ['a'] }] })).toThrow(/drifts.0: label-swap needs exactly two class names/);
    expect(() => parseDriftSchedule({ name: 'x', drifts: [{ type: 'glow', onset: 0, strength: 1 }] })).toThrow(/drifts.0.type/);
    expect(() => parseDriftSchedule({ name: 'x', drifts: [{ type: 'class-mix', onset: 0, strength: 1.5, classes: ['a'] }] })).toThrow(/share and must be at most 1/);
  });

  it('gives every preset a valid schedule', () => {
    for (const [name, schedule] of Object.entries(DRIFT_PRESETS)) {
      expect(parseDriftSchedule(schedule).name).toBe(name);
    }
  });
});

describe('generateDriftStream', () => {
  it('repeats a seed exactly', () => {
    const first = collect(DRIFT_PRESETS.noise, 3, 60);
    const second = collect(DRIFT_PRESETS.noise, 3, 60);
    expect(second.map((batch) => batch.items.map((item) => item.sourceIndex))).toEqual(first.map((batch) => batch.items.map((item) => item.sourceIndex)));
    expect(Buffer.from(second[59]!.items[0]!.pixels).equals(Buffer.from(first[59]!.items[0]!.pixels))).toBe(true);
    expect(collect(DRIFT_PRESETS.noise, 4, 60)[0]!.items.map((item) => item.sourceIndex)).not.toEqual(first[0]!.items.map((item) => item.sourceIndex));
  });

  it('releases batches over simulated time', () => {
    const batches = collect(DRIFT_PRESETS.none, 1, 5);
    expect(batches.map((batch) => batch.time)).toEqual([0, 1, 2, 3, 4]);
    expect(batches.every((batch) => batch.items.length === 10)).toBe(true);
  });

  it('brightens only after onset', () => {
    const schedule = parseDriftSchedule({ name: 'b', drifts: [{ type: 'brightness', onset: 5, ramp: 0, strength: 0.1 }] });
    const images = makeImages();
    const batches = collect(schedule, 2, 10);
    for (const batch of batches) {
      for (const item of batch.items) {
        const original = images.images[item.sourceIndex * 16] as number;
        expect(item.pixels[0]).toBe(batch.time < 5 ? original : Math.min(255, Math.round(original + 25.5)));
      }
    }
  });

  it('shifts the class mix to favoured classes', () => {
    const schedule = parseDriftSchedule({ name: 'm', drifts: [{ type: 'class-mix', onset: 0, strength: 0.8, classes: ['b'] }] });
    const items = collect(schedule, 5, 200).flatMap((batch) => batch.items);
    const share = items.filter((item) => item.sourceLabel === 1).length / items.length;
    // 2,000 draws at share 0.8: the standard error is 0.009.
    expect(share).toBeGreaterThan(0.77);
    expect(share).toBeLessThan(0.83);
  });

  it('lowers a class share below natural', () => {
    const schedule = parseDriftSchedule({ name: 'm', drifts: [{ type: 'class-mix', onset: 0, strength: 0.05, classes: ['a'] }] });
    const items = collect(schedule, 6, 200).flatMap((batch) => batch.items);
    const share = items.filter((item) => item.sourceLabel === 0).length / items.length;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
  });

  it('swaps reported labels of two classes', () => {
    const schedule = parseDriftSchedule({ name: 's', drifts: [{ type: 'label-swap', onset: 3, strength: 1, classes: ['a', 'c'] }] });
    for (const batch of collect(schedule, 7, 6)) {
      for (const item of batch.items) {
        const swapped = { 0: 2, 2: 0 }[item.sourceLabel] ?? item.sourceLabel;
        expect(item.label).toBe(batch.time < 3 ? item.sourceLabel : swapped);
        expect(item.pixels[0]).toBe(10 + (item.sourceIndex % 50));
      }
    }
  });

  it('rejects unknown class names', () => {
    const schedule = parseDriftSchedule({ name: 's', drifts: [{ type: 'label-swap', onset: 0, strength: 1, classes: ['a', 'zebra'] }] });
    expect(() => collect(schedule)).toThrow(/names class "zebra", which is not one of: a, b, c, d/);
  });
});
