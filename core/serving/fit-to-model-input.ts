import sharp from 'sharp';
import { borderMedian, invertInPlace, type GrayImage } from './gray-image.js';

/** Pixels ready for the model, and which steps changed them. */
export interface ModelInput {
  /** `height * width` gray values, a light object on a dark background. */
  pixels: Uint8Array;
  /** True when the background was light and the image was inverted. */
  inverted: boolean;
  /** True when the image was cropped to its object and resized; false when it already had the model's size. */
  resized: boolean;
}

/** Pixels below this level (after inversion and background removal) are never part of the object. */
const MIN_OBJECT_LEVEL = 16;
/** Pixels darker than this fraction of the brightest pixel are background: shadows, noise, JPEG ringing. */
const OBJECT_LEVEL_FRACTION = 0.2;

/**
 * Brings a decoded image into the model's domain, the same way for every upload:
 *
 * 1. Invert when the background (the median of the border pixels) is light, because
 *    Fashion-MNIST items are light on a dark background.
 * 2. An image that already has the model's size is taken as it is: it is not cropped, shifted
 *    or resampled, so a Fashion-MNIST image in a lossless format keeps its exact pixels.
 * 3. Any other size: map the background level to 0 and crop to the bounding box of the object.
 *    Then pad it with black, centred, to the model's aspect ratio (a square for 28x28), and
 *    resize it to the model's size with a Lanczos filter. This follows how Fashion-MNIST was
 *    made from product photos: trim, fit the longest edge, centre. A near-blank image is not
 *    cropped.
 *
 * `image` may be modified in place.
 */
export async function fitToModelInput(image: GrayImage, size: { width: number; height: number }): Promise<ModelInput> {
  const inverted = borderMedian(image) > 127;
  if (inverted) invertInPlace(image);

  if (image.width === size.width && image.height === size.height) {
    return { pixels: image.data, inverted, resized: false };
  }

  removeBackground(image, borderMedian(image));
  const cropped = padToAspectRatio(cropToObject(image), size.width / size.height);
  const { data, info } = await sharp(cropped.data, { raw: { width: cropped.width, height: cropped.height, channels: 1 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== size.width * size.height) {
    throw new Error(`Resizing produced ${info.width}x${info.height}x${info.channels} pixels instead of ${size.width}x${size.height}x1.`);
  }
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), inverted, resized: true };
}

/** Stretches levels so that `background` becomes 0 and 255 stays 255; darker pixels clip to 0. */
function removeBackground(image: GrayImage, background: number): void {
  if (background === 0) return;
  const { data } = image;
  const gain = 255 / (255 - background);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.max(0, Math.round(((data[i] as number) - background) * gain));
  }
}

function cropToObject(image: GrayImage): GrayImage {
  const { data, width, height } = image;
  let brightest = 0;
  for (let i = 0; i < data.length; i++) brightest = Math.max(brightest, data[i] as number);
  if (brightest < MIN_OBJECT_LEVEL) return image;

  const threshold = Math.max(MIN_OBJECT_LEVEL, brightest * OBJECT_LEVEL_FRACTION);
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((data[y * width + x] as number) < threshold) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }

  const cropWidth = right - left + 1;
  const cropHeight = bottom - top + 1;
  const cropped = new Uint8Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) {
    const start = (top + y) * width + left;
    cropped.set(data.subarray(start, start + cropWidth), y * cropWidth);
  }
  return { data: cropped, width: cropWidth, height: cropHeight };
}

/** Centres the image on a black canvas whose width / height is `aspectRatio`. */
function padToAspectRatio(image: GrayImage, aspectRatio: number): GrayImage {
  const width = Math.max(image.width, Math.round(image.height * aspectRatio));
  const height = Math.max(image.height, Math.round(image.width / aspectRatio));
  if (width === image.width && height === image.height) return image;

  const left = Math.floor((width - image.width) / 2);
  const top = Math.floor((height - image.height) / 2);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * image.width, (y + 1) * image.width), (top + y) * width + left);
  }
  return { data, width, height };
}
