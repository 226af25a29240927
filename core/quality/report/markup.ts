/** Escapes the five characters that are special in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Formats a share in [0, 1] as a percentage with `digits` decimals (default 1), or a dash for null. */
export function formatPercent(value: number | null, digits = 1): string {
  return value === null || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(digits)}%`;
}

/**
 * Formats a p-value: scientific notation below 0.001, three decimals otherwise. Values below
 * 1e-15 read "< 1e-15", because the normal CDF used for them is not accurate that far out.
 */
export function formatPValue(value: number): string {
  if (value < 1e-15) return '< 1e-15';
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}

/** Formats a byte count in KiB or MiB. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Okabe-Ito colours, distinguishable with the common colour-vision deficiencies. */
export const COLORS = {
  blue: '#0072B2',
  vermillion: '#D55E00',
  orange: '#E69F00',
  green: '#009E73',
  sky: '#56B4E9',
  purple: '#CC79A7',
  yellow: '#F0E442',
  black: '#000000',
  gray: '#8a8a8a',
} as const;
