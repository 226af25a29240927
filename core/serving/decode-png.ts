import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';
import { toGray, type GrayImage } from './gray-image.js';

/**
 * Largest width * height decoded here. The decode runs on the main thread, so a large PNG goes
 * to sharp, which decodes on the libuv thread pool.
 */
export const MAX_FAST_PNG_PIXELS = 256 * 256;

/**
 * Decodes a small PNG to gray in JavaScript with fast-png, or returns null when the file needs
 * the general decoder (sharp): more than {@link MAX_FAST_PNG_PIXELS} pixels, an embedded ICC
 * profile or EXIF block (sharp applies them), a transparent colour key on a gray or RGB image,
 * a bit depth below 8 outside a palette, or anything fast-png fails on. sharp's fixed cost per
 * call is about 0.5 ms of CPU, ten times the whole decode of a 28x28 PNG here, and this path
 * gives the same pixels: 16-bit levels are reduced with `>> 8`, as libvips does.
 *
 * `width` and `height` are the IHDR size, already checked against the pixel limit.
 */
export function decodePngToGray(bytes: Uint8Array, width: number, height: number): GrayImage | null {
  if (width * height > MAX_FAST_PNG_PIXELS || hasChunkBeforeData(bytes, ['iCCP', 'eXIf'])) return null;

  let png: DecodedPng;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch {
    return null;
  }
  if (png.iccEmbeddedProfile) return null;

  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const channels = rgb.length / (png.width * png.height);
    return toGray(rgb, png.width, png.height, channels);
  }
  if (png.transparency || (png.depth !== 8 && png.depth !== 16)) return null;

  const data = png.depth === 16 ? reduceTo8Bit(png.data as Uint16Array) : (png.data as Uint8Array);
  return toGray(data, png.width, png.height, png.channels);
}

function reduceTo8Bit(data: Uint16Array): Uint8Array {
  const reduced = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) reduced[i] = (data[i] as number) >> 8;
  return reduced;
}

/** True when one of `types` appears among the chunks before the first IDAT. */
function hasChunkBeforeData(bytes: Uint8Array, types: string[]): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Each chunk is a 4-byte length, a 4-byte type, the data and a 4-byte CRC; the first starts after the 8-byte signature.
  for (let offset = 8; offset + 8 <= bytes.length; offset += 12 + view.getUint32(offset)) {
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'IDAT') return false;
    if (types.includes(type)) return true;
  }
  return false;
}
