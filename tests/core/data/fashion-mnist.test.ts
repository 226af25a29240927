import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

import { DataError } from '../../../core/data/errors.js';
import {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_FILES,
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_SHA256,
  SYSTEM_FASHION_MNIST_DIR,
  fashionMnistSearchDirs,
  loadFashionMnist,
  locateFashionMnist,
  type ChecksumTable,
} from '../../../core/data/fashion-mnist.js';
import { encodeIdx } from '../../../core/data/idx.js';

const miniDir = fileURLToPath(new URL('../../fixtures/fashion-mnist-mini/', import.meta.url));
const systemSetPresent = FASHION_MNIST_FILE_NAMES.every((name) => existsSync(path.join(SYSTEM_FASHION_MNIST_DIR, name)));

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function makeTempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snapclass-fashion-'));
  tempDirs.push(dir);
  return dir;
}

/** Copies the mini fixture into a new temporary folder and returns the folder. */
function copyMini(dir = makeTempDir()): string {
  mkdirSync(dir, { recursive: true });
  for (const name of FASHION_MNIST_FILE_NAMES) {
    cpSync(path.join(miniDir, name), path.join(dir, name));
  }
  return dir;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function gunzipFixture(name: string): Buffer {
  return zlib.gunzipSync(readFileSync(path.join(miniDir, name)));
}

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) {
    counts[label]!++;
  }
  return counts;
}

async function loadError(dir: string, expectedChecksums: ChecksumTable | null = null): Promise<DataError> {
  const error = await loadFashionMnist(dir, { expectedChecksums }).catch((caught: unknown) => caught);
  if (!(error instanceof DataError)) {
    throw new Error(`expected a DataError, received ${String(error)}`);
  }
  return error;
}

describe('locateFashionMnist', () => {
  it('lists search folders in order', () => {
    const dirs = fashionMnistSearchDirs({ env: { SNAPCLASS_DATA_DIR: 'custom/set' }, cwd: '/srv/app' });

    expect(dirs).toEqual(['/srv/app/custom/set', '/srv/app/data/fashion-mnist', SYSTEM_FASHION_MNIST_DIR]);
  });

  it('ignores empty SNAPCLASS_DATA_DIR', () => {
    const dirs = fashionMnistSearchDirs({ env: { SNAPCLASS_DATA_DIR: ' ' }, cwd: '/srv/app' });

    expect(dirs).toEqual(['/srv/app/data/fashion-mnist', SYSTEM_FASHION_MNIST_DIR]);
  });

  it('prefers SNAPCLASS_DATA_DIR over project folder', () => {
    const cwd = makeTempDir();
    const configured = copyMini(path.join(cwd, 'elsewhere'));
    copyMini(path.join(cwd, 'data', 'fashion-mnist'));

    expect(locateFashionMnist({ env: { SNAPCLASS_DATA_DIR: configured }, cwd })).toBe(configured);
  });

  it('skips folder missing one file', () => {
    const cwd = makeTempDir();
    const incomplete = copyMini(path.join(cwd, 'incomplete'));
    rmSync(path.join(incomplete, FASHION_MNIST_FILES.testLabels));
    const projectDir = copyMini(path.join(cwd, 'data', 'fashion-mnist'));

    expect(locateFashionMnist({ env: { SNAPCLASS_DATA_DIR: incomplete }, cwd })).toBe(projectDir);
  });

  it('ignores partial download files', () => {
    const cwd = makeTempDir();
    const projectDir = copyMini(path.join(cwd, 'data', 'fashion-mnist'));
    const trainImages = path.join(projectDir, FASHION_MNIST_FILES.trainImages);
    cpSync(trainImages, `${trainImages}.part`);
    rmSync(trainImages);

    const expected = systemSetPresent ? SYSTEM_FASHION_MNIST_DIR : null;
    expect(locateFashionMnist({ env: {}, cwd })).toBe(expected);
  });
});

describe('loadFashionMnist on mini fixture', () => {
  it('loads counts and shapes', async () => {
    const data = await loadFashionMnist(miniDir, { expectedChecksums: null });

    expect(data.id).toBe('fashion-mnist');
    expect(data.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    expect(data.classNames[9]).toBe('Ankle boot');
    expect(data.train.count).toBe(1_000);
    expect(data.test.count).toBe(200);
    expect([data.train.height, data.train.width, data.test.height, data.test.width]).toEqual([28, 28, 28, 28]);
    expect(data.train.images.length).toBe(1_000 * 784);
    expect(data.test.images.length).toBe(200 * 784);
    expect(data.train.labels.length).toBe(1_000);
    expect(data.test.labels.length).toBe(200);
  });

  it('balances classes', async () => {
    const data = await loadFashionMnist(miniDir, { expectedChecksums: null });

    expect(classCounts(data.train.labels)).toEqual(new Array(10).fill(100));
    expect(classCounts(data.test.labels)).toEqual(new Array(10).fill(20));
  });

  it('matches independently read pixels', async () => {
    const data = await loadFashionMnist(miniDir, { expectedChecksums: null });
    const trainImages = gunzipFixture(FASHION_MNIST_FILES.trainImages);
    const testImages = gunzipFixture(FASHION_MNIST_FILES.testImages);
    const trainLabels = gunzipFixture(FASHION_MNIST_FILES.trainLabels);

    // Header of an IDX images file: magic, count, rows, columns, as big-endian uint32.
    expect(trainImages.readUInt32BE(0)).toBe(0x803);
    expect(trainImages.readUInt32BE(4)).toBe(1_000);
    expect(Array.from(data.train.images.subarray(0, 2 * 784))).toEqual(Array.from(trainImages.subarray(16, 16 + 2 * 784)));
    expect(Array.from(data.train.images.subarray(-784))).toEqual(Array.from(trainImages.subarray(-784)));
    expect(Array.from(data.test.images.subarray(0, 784))).toEqual(Array.from(testImages.subarray(16, 16 + 784)));
    expect(Array.from(data.train.labels.subarray(0, 20))).toEqual(Array.from(trainLabels.subarray(8, 28)));
  });

  it('reports file and data set hashes', async () => {
    const data = await loadFashionMnist(miniDir, { expectedChecksums: null });
    const expectedFiles = FASHION_MNIST_FILE_NAMES.map((name) => ({
      name,
      sha256: sha256(readFileSync(path.join(miniDir, name))),
    }));
    const lines = expectedFiles.map((file) => `${file.sha256}  ${file.name}\n`).join('');

    expect(data.files).toEqual(expectedFiles);
    expect(data.sha256).toBe(sha256(lines));
    expect(data.dir).toBe(miniDir);
  });

  it('accepts matching checksum table', async () => {
    const table = Object.fromEntries(
      FASHION_MNIST_FILE_NAMES.map((name) => [name, sha256(readFileSync(path.join(miniDir, name)))]),
    ) as ChecksumTable;

    const data = await loadFashionMnist(miniDir, { expectedChecksums: table });
    expect(data.train.count).toBe(1_000);
  });

  it('rejects mini under official checksums', async () => {
    const error = await loadError(miniDir, FASHION_MNIST_SHA256);

    expect(error.code).toBe('checksum_mismatch');
    expect(error.message).toContain(FASHION_MNIST_SHA256['train-images-idx3-ubyte.gz']);
    expect(error.message).toContain(sha256(readFileSync(path.join(miniDir, FASHION_MNIST_FILES.trainImages))));
    expect(error.message).toContain('npm run data');
  });

  it('verifies official checksums by default', async () => {
    const error = await loadFashionMnist(miniDir).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'checksum_mismatch' });
  });
});

describe('loadFashionMnist on damaged folders', () => {
  it('rejects missing file', async () => {
    const dir = copyMini();
    rmSync(path.join(dir, FASHION_MNIST_FILES.testImages));
    const error = await loadError(dir);

    expect(error.code).toBe('dataset_not_found');
    expect(error.message).toContain(FASHION_MNIST_FILES.testImages);
    expect(error.message).toContain(dir);
  });

  it('names file index and value of bad label', async () => {
    const dir = copyMini();
    const labels = Uint8Array.from(gunzipFixture(FASHION_MNIST_FILES.trainLabels).subarray(8));
    labels[500] = 12;
    const labelsPath = path.join(dir, FASHION_MNIST_FILES.trainLabels);
    writeFileSync(labelsPath, zlib.gzipSync(encodeIdx([labels.length], labels)));
    const error = await loadError(dir);

    expect(error.code).toBe('label_out_of_range');
    expect(error.fileName).toBe(labelsPath);
    expect(error).toMatchObject({ index: 500, label: 12 });
    expect(error.message).toContain('label 12 at index 500');
  });

  it('rejects test count mismatch', async () => {
    const dir = copyMini();
    const labels = gunzipFixture(FASHION_MNIST_FILES.testLabels).subarray(8, 8 + 199);
    writeFileSync(path.join(dir, FASHION_MNIST_FILES.testLabels), zlib.gzipSync(encodeIdx([199], labels)));
    const error = await loadError(dir);

    expect(error.code).toBe('idx_count_mismatch');
    expect(error).toMatchObject({ imageCount: 200, labelCount: 199 });
    expect(error.message).toContain(FASHION_MNIST_FILES.testImages);
    expect(error.message).toContain(FASHION_MNIST_FILES.testLabels);
  });

  it('rejects images of other size', async () => {
    const dir = copyMini();
    const images = encodeIdx([200, 14, 14], new Uint8Array(200 * 14 * 14));
    writeFileSync(path.join(dir, FASHION_MNIST_FILES.testImages), zlib.gzipSync(images));
    const error = await loadError(dir);

    expect(error.code).toBe('idx_bad_shape');
    expect(error.message).toContain('expected 28 x 28, received 14 x 14');
  });

  it('rejects truncated gzip file', async () => {
    const dir = copyMini();
    const imagesPath = path.join(dir, FASHION_MNIST_FILES.trainImages);
    const bytes = readFileSync(imagesPath);
    writeFileSync(imagesPath, bytes.subarray(0, bytes.length / 2));
    const error = await loadError(dir);

    expect(error.code).toBe('idx_gzip_corrupt');
    expect(error.fileName).toBe(imagesPath);
  });
});

describe.skipIf(!systemSetPresent)('loadFashionMnist on official files', () => {
  it('loads verified full set', async () => {
    const started = performance.now();
    const data = await loadFashionMnist(SYSTEM_FASHION_MNIST_DIR);
    const elapsedMs = performance.now() - started;

    expect(data.train.count).toBe(60_000);
    expect(data.test.count).toBe(10_000);
    expect(classCounts(data.train.labels)).toEqual(new Array(10).fill(6_000));
    expect(classCounts(data.test.labels)).toEqual(new Array(10).fill(1_000));
    expect(data.files.map((file) => file.sha256)).toEqual(FASHION_MNIST_FILE_NAMES.map((name) => FASHION_MNIST_SHA256[name]));
    // Measured at 0.4 to 0.5 s on a 2-core machine; the bound leaves room for a loaded CI runner.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('mini fixture matches official images', async () => {
    const official = await loadFashionMnist(SYSTEM_FASHION_MNIST_DIR);
    const mini = await loadFashionMnist(miniDir, { expectedChecksums: null });
    const sourceIndices = JSON.parse(readFileSync(path.join(miniDir, 'source-indices.json'), 'utf8')) as {
      sourceSha256: string;
      train: number[];
      test: number[];
    };

    expect(sourceIndices.sourceSha256).toBe(official.sha256);
    for (const [split, indices] of [['train', sourceIndices.train], ['test', sourceIndices.test]] as const) {
      indices.forEach((sourceIndex, i) => {
        const miniImage = mini[split].images.subarray(i * 784, (i + 1) * 784);
        const officialImage = official[split].images.subarray(sourceIndex * 784, (sourceIndex + 1) * 784);
        expect(Buffer.from(miniImage).equals(Buffer.from(officialImage))).toBe(true);
        expect(mini[split].labels[i]).toBe(official[split].labels[sourceIndex]);
      });
    }
  });
});
