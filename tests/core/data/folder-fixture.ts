import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createRandom } from '../../../core/random.js';

/** Classes of the generated data set: a light shape on a dark background each. */
export const SHAPE_CLASSES = ['bar', 'ring', 'square'] as const;

/** Draws one 28x28 gray image of a shape class, jittered in position and brightness by `random`. */
export function drawShape(shape: (typeof SHAPE_CLASSES)[number], random: () => number): Uint8Array {
  const size = 28;
  const pixels = new Uint8Array(size * size);
  const centreX = 10 + Math.floor(random() * 8);
  const centreY = 10 + Math.floor(random() * 8);
  const level = 150 + Math.floor(random() * 100);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - centreX;
      const dy = y - centreY;
      const distance = Math.sqrt(dx * dx + dy * dy);
      let inside: boolean;
      if (shape === 'bar') {
        inside = Math.abs(dy) <= 2 && Math.abs(dx) <= 9;
      } else if (shape === 'ring') {
        inside = distance >= 4 && distance <= 7;
      } else {
        inside = Math.abs(dx) <= 5 && Math.abs(dy) <= 5;
      }
      pixels[y * size + x] = inside ? level : Math.floor(random() * 20);
    }
  }
  return pixels;
}

/** Writes one gray image as PNG (or another format by extension) to `file`. */
export async function writeGrayImage(file: string, pixels: Uint8Array, size = 28): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).toFile(file);
}

/**
 * Creates a folder data set under a new temporary folder: one subfolder per shape class with
 * `perClass` PNG images each, seeded. Returns the root; the caller removes it.
 */
export async function createShapeDataset(perClass = 20, seed = 1): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'snapclass-folder-'));
  const random = createRandom(seed);
  for (const shape of SHAPE_CLASSES) {
    for (let i = 0; i < perClass; i++) {
      await writeGrayImage(path.join(root, shape, `${String(i).padStart(3, '0')}.png`), drawShape(shape, random));
    }
  }
  return root;
}

/**
 * Draws `perClass` images of each shape class in memory (28x28 gray, classes interleaved), as a
 * labelled split for training and evaluation tests.
 */
export function drawShapeSet(perClass: number, seed: number): { images: Uint8Array; labels: Uint8Array; count: number } {
  const random = createRandom(seed);
  const count = perClass * SHAPE_CLASSES.length;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % SHAPE_CLASSES.length;
    images.set(drawShape(SHAPE_CLASSES[labels[i] as number]!, random), i * 784);
  }
  return { images, labels, count };
}
