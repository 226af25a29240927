import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFolderImages, listFolderDataset } from '../../../core/data/folder-dataset.js';
import { DEFAULT_SPLIT_FILE_NAME, loadOrCreateFolderSplit } from '../../../core/data/folder-split.js';
import { loadDataset, parseDatasetSpec } from '../../../core/data/load-dataset.js';
import { createShapeDataset, drawShape, writeGrayImage } from './folder-fixture.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('parseDatasetSpec', () => {
  it('parses the three forms', () => {
    expect(parseDatasetSpec('fashion-mnist')).toEqual({ kind: 'fashion-mnist' });
    expect(parseDatasetSpec('fashion-mnist:/data/fm')).toEqual({ kind: 'fashion-mnist', dir: '/data/fm' });
    expect(parseDatasetSpec('folder:./photos')).toEqual({ kind: 'folder', root: './photos' });
  });

  it('rejects an unknown form', () => {
    expect(() => parseDatasetSpec('folder:')).toThrow(/Invalid --dataset "folder:"/);
    expect(() => parseDatasetSpec('mnist')).toThrow(/fashion-mnist, fashion-mnist:DIR or folder:PATH/);
  });
});

describe('listFolderDataset', () => {
  it('sorts classes and skips other files', async () => {
    root = await createShapeDataset(2, 1);
    fs.writeFileSync(path.join(root, 'bar', 'notes.txt'), 'not an image');
    fs.mkdirSync(path.join(root, '.cache'));

    const listing = await listFolderDataset(root);

    expect(listing.classNames).toEqual(['bar', 'ring', 'square']);
    expect(listing.files.map((file) => `${file.label}:${file.relativePath}`)).toEqual([
      '0:bar/000.png',
      '0:bar/001.png',
      '1:ring/000.png',
      '1:ring/001.png',
      '2:square/000.png',
      '2:square/001.png',
    ]);
  });

  it('rejects a folder with one class', async () => {
    root = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'snapclass-one-class-'));
    await writeGrayImage(path.join(root, 'only', 'a.png'), new Uint8Array(28 * 28));

    await expect(listFolderDataset(root)).rejects.toMatchObject({ code: 'folder_dataset_invalid' });
  });
});

describe('decodeFolderImages', () => {
  it('decodes PNG, JPEG and WebP to the input size', async () => {
    root = await createShapeDataset(1, 2);
    const big = Buffer.alloc(56 * 40 * 3, 200);
    await sharp(big, { raw: { width: 56, height: 40, channels: 3 } }).jpeg().toFile(path.join(root, 'bar', 'photo.jpg'));
    await sharp(Buffer.from(drawShape('ring', () => 0.5)), { raw: { width: 28, height: 28, channels: 1 } }).webp({ lossless: true }).toFile(path.join(root, 'ring', 'x.webp'));
    const listing = await listFolderDataset(root);

    const gray = await decodeFolderImages(root, listing.files, { height: 14, width: 14 });
    const rgb = await decodeFolderImages(root, listing.files, { height: 8, width: 10, channels: 3 });

    expect(gray.count).toBe(5);
    expect(gray.images.length).toBe(5 * 14 * 14);
    expect(gray.sources).toContain('bar/photo.jpg');
    expect(gray.unreadable).toEqual([]);
    expect(rgb.images.length).toBe(5 * 8 * 10 * 3);
  });

  it('keeps the exact pixels of a 28x28 PNG', async () => {
    root = await createShapeDataset(1, 5);
    const pixels = drawShape('square', () => 0.25);
    await writeGrayImage(path.join(root, 'square', '000.png'), pixels);
    const listing = await listFolderDataset(root);

    const decoded = await decodeFolderImages(root, listing.files.filter((file) => file.relativePath === 'square/000.png'));

    expect(Array.from(decoded.images)).toEqual(Array.from(pixels));
  });
});

describe('folder data set split', () => {
  it('saves a stratified split and reuses it', async () => {
    root = await createShapeDataset(10, 6);
    const listing = await listFolderDataset(root);

    const first = loadOrCreateFolderSplit(listing, { seed: 5, validationFraction: 0.2, testFraction: 0.1 });
    const second = loadOrCreateFolderSplit(listing, { seed: 99, validationFraction: 0.5, testFraction: 0.3 });

    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(root, DEFAULT_SPLIT_FILE_NAME));
    expect(first.split.test.length).toBe(3);
    expect(first.split.validation.length).toBe(6);
    expect(first.split.train.length).toBe(21);
    for (const className of listing.classNames) {
      expect(first.split.test.filter((file) => file.startsWith(`${className}/`))).toHaveLength(1);
      expect(first.split.validation.filter((file) => file.startsWith(`${className}/`))).toHaveLength(2);
    }
    expect(second.created).toBe(false);
    expect(second.split.seed).toBe(5);
    expect(second.split.train).toEqual(first.split.train);
    expect(second.split.test).toEqual(first.split.test);
  });

  it('gives the same split for the same seed', async () => {
    root = await createShapeDataset(10, 6);
    const listing = await listFolderDataset(root);

    const first = loadOrCreateFolderSplit(listing, { seed: 5, file: path.join(root, 'a.json') });
    const second = loadOrCreateFolderSplit(listing, { seed: 5, file: path.join(root, 'b.json') });
    const other = loadOrCreateFolderSplit(listing, { seed: 6, file: path.join(root, 'c.json') });

    expect(second.split.test).toEqual(first.split.test);
    expect(other.split.test).not.toEqual(first.split.test);
  });

  it('rejects a split file of other classes', async () => {
    root = await createShapeDataset(4, 6);
    const listing = await listFolderDataset(root);
    loadOrCreateFolderSplit(listing);
    fs.mkdirSync(path.join(root, 'triangle'));
    await writeGrayImage(path.join(root, 'triangle', 't.png'), drawShape('bar', () => 0.1));

    const changed = await listFolderDataset(root);

    expect(() => loadOrCreateFolderSplit(changed)).toThrow(/Delete the split file to make a new split/);
  });

  it('hashes the data set content', async () => {
    root = await createShapeDataset(5, 7);
    const first = await loadDataset({ kind: 'folder', root });
    const again = await loadDataset({ kind: 'folder', root });
    await writeGrayImage(path.join(root, first.train.sources?.[0] as string), drawShape('ring', () => 0.9));
    const changed = await loadDataset({ kind: 'folder', root });

    expect(first.id).toBe(`folder:${root}`);
    expect(again.sha256).toBe(first.sha256);
    expect(changed.sha256).not.toBe(first.sha256);
  });
});
