/** An 8-bit single-channel image, row-major. */
export interface GrayImage {
  /** `width * height` values from 0 (black) to 255 (white). */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Converts interleaved 8-bit pixels of 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA) channels
 * to gray. Colour uses Rec. 601 luma weights (0.299, 0.587, 0.114) in integer arithmetic, so a
 * gray pixel (r = g = b) keeps its exact value.
 *
 * Transparency is flattened onto a background chosen to contrast with the opaque part: black
 * when the opaque pixels are light on average (alpha-weighted mean above 127), white when they
 * are dark. So a white garment cut out on a transparent background stays visible, and so does
 * a black one. An image without any transparent pixel is unchanged by this step.
 *
 * @throws RangeError when `data` does not hold `width * height * channels` values.
 */
export function toGray(data: Uint8Array, width: number, height: number, channels: number): GrayImage {
  const count = width * height;
  if (channels < 1 || channels > 4 || data.length !== count * channels) {
    throw new RangeError(`Expected ${count} pixels of 1 to 4 channels, received ${data.length} values for ${channels} channels.`);
  }
  const hasAlpha = channels === 2 || channels === 4;
  const luma = new Uint8Array(count);
  let transparent = false;
  let weightedSum = 0;
  let alphaSum = 0;

  for (let i = 0; i < count; i++) {
    const offset = i * channels;
    const value =
      channels <= 2
        ? (data[offset] as number)
        : Math.floor(((data[offset] as number) * 299 + (data[offset + 1] as number) * 587 + (data[offset + 2] as number) * 114 + 500) / 1000);
    luma[i] = value;
    const alpha = hasAlpha ? (data[offset + channels - 1] as number) : 255;
    if (alpha < 255) transparent = true;
    weightedSum += value * alpha;
    alphaSum += alpha;
  }
  if (!transparent) return { data: luma, width, height };

  const background = alphaSum > 0 && weightedSum / alphaSum > 127 ? 0 : 255;
  const flattened = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const alpha = data[i * channels + channels - 1] as number;
    flattened[i] = Math.round(((luma[i] as number) * alpha + background * (255 - alpha)) / 255);
  }
  return { data: flattened, width, height };
}

/** Returns the median of the pixels on the outermost rows and columns, taken as the background level. */
export function borderMedian(image: GrayImage): number {
  const { data, width, height } = image;
  const histogram = new Uint32Array(256);
  let count = 0;
  const add = (index: number) => {
    histogram[data[index] as number]! += 1;
    count += 1;
  };

  for (let x = 0; x < width; x++) {
    add(x);
    if (height > 1) add((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    add(y * width);
    if (width > 1) add(y * width + width - 1);
  }

  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += histogram[level] as number;
    if (seen * 2 >= count) return level;
  }
  return 255;
}

/** Replaces every pixel by 255 minus its value, in place. */
export function invertInPlace(image: GrayImage): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = 255 - (data[i] as number);
}
