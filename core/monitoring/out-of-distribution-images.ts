import sharp from 'sharp';
import type { RandomSource } from '../random.js';

/** Kinds of images outside the clothing domain that the detector is measured on. */
export const OUT_OF_DISTRIBUTION_KINDS = ['face', 'digit', 'blank-page'] as const;
export type OutOfDistributionKind = (typeof OUT_OF_DISTRIBUTION_KINDS)[number];

/** Side of the generated images in pixels; the service crops and resizes them like any upload. */
const SIDE = 128;

/** Stroke paths of the digits 0-9 in a 100 x 100 box, drawn with round caps like handwriting. */
const DIGIT_PATHS = [
  'M50 12 C25 12 22 40 22 50 C22 62 25 88 50 88 C75 88 78 62 78 50 C78 40 75 12 50 12 Z',
  'M38 24 L54 12 L54 88 M36 88 L70 88',
  'M26 30 C28 10 72 10 72 32 C72 52 30 66 24 88 L78 88',
  'M26 20 C40 6 74 10 72 32 C70 46 54 48 46 48 C60 48 78 54 76 70 C74 90 36 94 24 80',
  'M62 88 L62 12 L22 64 L80 64',
  'M72 12 L32 12 L28 46 C44 36 76 38 76 64 C76 90 38 94 24 80',
  'M70 16 C50 6 26 20 24 52 C22 86 74 94 76 64 C78 42 42 38 26 58',
  'M24 12 L78 12 L42 88',
  'M50 48 C24 44 26 12 50 12 C74 12 76 44 50 48 C20 52 22 88 50 88 C78 88 80 52 50 48 Z',
  'M74 42 C74 14 28 10 26 38 C24 62 66 62 74 42 C76 70 66 86 34 88',
];

/**
 * Draws one PNG image of `kind` with random variation, for measuring the out-of-distribution
 * detector. Kinds: `face`, a drawn face (skin-toned oval, hair, eyes, brows, mouth) on a plain
 * or patterned background; `digit`, a handwritten-style digit 0-9, light on dark like MNIST or
 * dark on white; `blank-page`, an empty sheet of paper with faint noise and sometimes ruled lines.
 */
export async function drawOutOfDistributionImage(kind: OutOfDistributionKind, random: RandomSource): Promise<Uint8Array> {
  const svg = kind === 'face' ? faceSvg(random) : kind === 'digit' ? digitSvg(random) : blankPageSvg(random);
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

function between(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random();
}

function gray(level: number): string {
  const value = Math.round(Math.min(255, Math.max(0, level)));
  return `rgb(${value},${value},${value})`;
}

function faceSvg(random: RandomSource): string {
  const skin = [`rgb(241,194,125)`, `rgb(224,172,105)`, `rgb(198,134,66)`, `rgb(141,85,36)`, `rgb(255,219,172)`][Math.floor(random() * 5)];
  const background = random() < 0.5 ? gray(between(random, 200, 255)) : `rgb(${Math.round(between(random, 60, 200))},${Math.round(between(random, 80, 200))},${Math.round(between(random, 120, 230))})`;
  const cx = 64 + between(random, -6, 6);
  const cy = 68 + between(random, -6, 6);
  const rx = between(random, 30, 40);
  const ry = between(random, 40, 50);
  const eyeY = cy - ry * 0.2;
  const eyeDx = rx * 0.4;
  const mouthY = cy + ry * 0.45;
  const smile = between(random, -8, 12);
  const hair = gray(between(random, 10, 120));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">
<rect width="100%" height="100%" fill="${background}"/>
<ellipse cx="${cx}" cy="${cy - ry * 0.55}" rx="${rx * 1.08}" ry="${ry * 0.6}" fill="${hair}"/>
<rect x="${cx - 6}" y="${cy + ry - 6}" width="12" height="${SIDE}" fill="${skin}"/>
<ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" fill="${skin}"/>
<ellipse cx="${cx - eyeDx}" cy="${eyeY}" rx="5" ry="3.5" fill="white"/><circle cx="${cx - eyeDx}" cy="${eyeY}" r="2.2" fill="rgb(40,30,20)"/>
<ellipse cx="${cx + eyeDx}" cy="${eyeY}" rx="5" ry="3.5" fill="white"/><circle cx="${cx + eyeDx}" cy="${eyeY}" r="2.2" fill="rgb(40,30,20)"/>
<path d="M${cx - eyeDx - 6} ${eyeY - 8} L${cx - eyeDx + 6} ${eyeY - 9} M${cx + eyeDx - 6} ${eyeY - 9} L${cx + eyeDx + 6} ${eyeY - 8}" stroke="${hair}" stroke-width="2.5"/>
<path d="M${cx} ${eyeY + 4} L${cx - 3} ${mouthY - 10} L${cx + 3} ${mouthY - 9}" stroke="rgb(120,70,40)" stroke-width="1.5" fill="none"/>
<path d="M${cx - rx * 0.35} ${mouthY} Q${cx} ${mouthY + smile} ${cx + rx * 0.35} ${mouthY}" stroke="rgb(150,40,40)" stroke-width="3" fill="none"/>
</svg>`;
}

function digitSvg(random: RandomSource): string {
  const digit = Math.floor(random() * 10);
  const lightOnDark = random() < 0.6;
  const ink = lightOnDark ? gray(between(random, 200, 255)) : gray(between(random, 0, 60));
  const paper = lightOnDark ? gray(between(random, 0, 30)) : gray(between(random, 225, 255));
  const scale = between(random, 0.8, 1.1);
  const angle = between(random, -15, 15);
  const offset = (SIDE - 100 * scale) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">
<rect width="100%" height="100%" fill="${paper}"/>
<g transform="rotate(${angle} 64 64) translate(${offset} ${offset}) scale(${scale})">
<path d="${DIGIT_PATHS[digit]}" stroke="${ink}" stroke-width="${between(random, 7, 14)}" stroke-linecap="round" stroke-linejoin="round" fill="none"/>
</g>
</svg>`;
}

function blankPageSvg(random: RandomSource): string {
  const paper = between(random, 215, 255);
  const lines = random() < 0.4;
  const specks = Array.from({ length: Math.floor(between(random, 0, 12)) }, () => `<circle cx="${between(random, 0, SIDE)}" cy="${between(random, 0, SIDE)}" r="${between(random, 0.4, 1.2)}" fill="${gray(paper - between(random, 20, 60))}"/>`);
  const ruled = lines ? Array.from({ length: 8 }, (_, i) => `<line x1="0" x2="${SIDE}" y1="${14 + i * 15}" y2="${14 + i * 15}" stroke="rgb(170,190,230)" stroke-width="1"/>`) : [];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">
<rect width="100%" height="100%" fill="${gray(paper)}"/>
${ruled.join('\n')}
${specks.join('\n')}
</svg>`;
}
