import sharp from 'sharp';

/** Magnification of the 28 x 28 images in the report: nearest-neighbour, so pixels stay crisp. */
export const DEFAULT_IMAGE_SCALE = 4;

/**
 * Encodes an 8-bit grayscale image as a PNG data URI, enlarged `scale` times with
 * nearest-neighbour sampling.
 */
export async function grayscaleDataUri(pixels: Uint8Array, height: number, width: number, scale = DEFAULT_IMAGE_SCALE): Promise<string> {
  const rgb = new Uint8Array(height * width * 3);
  pixels.forEach((value, p) => rgb.fill(value, p * 3, p * 3 + 3));
  return rgbDataUri(rgb, height, width, scale);
}

/**
 * Draws a heat map over a dimmed grayscale image and returns it as a PNG data URI. An unsigned
 * map (saliency) runs from transparent through orange to yellow with the value. A signed map
 * (occlusion) shows positive values in red and negative ones in blue. Values are
 * scaled by the largest absolute value in the map, or by `maxAbs` when given, so several maps
 * can share one scale. `maxAlpha` (default 1) caps the overlay's opacity so the image stays
 * visible under the strongest values.
 */
export async function heatmapDataUri(
  pixels: Uint8Array | null,
  map: ArrayLike<number>,
  height: number,
  width: number,
  args: { signed: boolean; maxAbs?: number; scale?: number; maxAlpha?: number },
): Promise<string> {
  let maxAbs = args.maxAbs ?? 0;
  if (args.maxAbs === undefined) for (let p = 0; p < map.length; p++) maxAbs = Math.max(maxAbs, Math.abs(map[p] as number));
  const rgb = new Uint8Array(height * width * 3);
  for (let p = 0; p < height * width; p++) {
    const base = pixels ? (pixels[p] as number) * 0.55 : 0;
    const value = maxAbs === 0 ? 0 : Math.max(-1, Math.min(1, (map[p] as number) / maxAbs));
    const [r, g, b] = args.signed ? divergingColor(value) : sequentialColor(value);
    const alpha = Math.min(args.maxAlpha ?? 1, Math.abs(value) * 1.4);
    rgb[p * 3] = Math.round(base * (1 - alpha) + r * alpha);
    rgb[p * 3 + 1] = Math.round(base * (1 - alpha) + g * alpha);
    rgb[p * 3 + 2] = Math.round(base * (1 - alpha) + b * alpha);
  }
  return rgbDataUri(rgb, height, width, args.scale ?? DEFAULT_IMAGE_SCALE);
}

/** Colour of a value in [0, 1] on a dark-red, orange, yellow ramp. */
export function sequentialColor(value: number): [number, number, number] {
  const stops: [number, [number, number, number]][] = [
    [0, [120, 0, 40]],
    [0.5, [230, 90, 20]],
    [1, [255, 235, 90]],
  ];
  return interpolateStops(stops, Math.max(0, value));
}

/** Colour of a value in [-1, 1]: blue for negative, red for positive, strongest at the ends. */
export function divergingColor(value: number): [number, number, number] {
  return value >= 0 ? interpolateStops([[0, [255, 200, 180]], [1, [215, 40, 20]]], value) : interpolateStops([[0, [190, 210, 255]], [1, [20, 90, 220]]], -value);
}

function interpolateStops(stops: [number, [number, number, number]][], value: number): [number, number, number] {
  for (let s = 1; s < stops.length; s++) {
    const [position, color] = stops[s] as [number, [number, number, number]];
    const [previousPosition, previousColor] = stops[s - 1] as [number, [number, number, number]];
    if (value <= position) {
      const t = (value - previousPosition) / (position - previousPosition);
      return [0, 1, 2].map((k) => Math.round((previousColor[k] as number) + t * ((color[k] as number) - (previousColor[k] as number)))) as [number, number, number];
    }
  }
  return stops[stops.length - 1]?.[1] ?? [0, 0, 0];
}

async function rgbDataUri(rgb: Uint8Array, height: number, width: number, scale: number): Promise<string> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
