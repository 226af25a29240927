import { COLORS, escapeHtml, formatPercent } from './markup.js';

/** One axis of a chart: its range, tick positions and how ticks read. */
export interface Axis {
  min: number;
  max: number;
  ticks: number[];
  format: (value: number) => string;
  label: string;
}

/** One line of a {@link renderLineChart}. */
export interface LineSeries {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

/** Options of {@link renderLineChart}. */
export interface LineChartArgs {
  title: string;
  x: Axis;
  y: Axis;
  series: LineSeries[];
  /** Horizontal dashed reference line, such as the clean accuracy. */
  reference?: { value: number; label: string };
  width?: number;
  height?: number;
}

const MARGIN = { top: 28, right: 12, bottom: 40, left: 48 };

/** Returns the percentage axis from `min` to 1 with ticks every `step`. */
export function accuracyAxis(min = 0, step = 0.2, label = 'accuracy'): Axis {
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step - 1e-9) * step; value <= 1 + 1e-9; value += step) ticks.push(Number(value.toFixed(6)));
  return { min, max: 1, ticks, format: (value) => formatPercent(value, 0), label };
}

/** Renders an inline SVG line chart with axes, markers and a legend below the title. */
export function renderLineChart(args: LineChartArgs): string {
  const width = args.width ?? 320;
  const height = args.height ?? 220;
  const plot = plotArea(width, height, args.x, args.y);
  const lines = args.series.map((series) => {
    const path = series.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${plot.sx(x).toFixed(1)},${plot.sy(y).toFixed(1)}`).join(' ');
    const markers = series.points
      .map(([x, y]) => `<circle cx="${plot.sx(x).toFixed(1)}" cy="${plot.sy(y).toFixed(1)}" r="2.5" fill="${series.color}"><title>${escapeHtml(series.label)}: ${args.x.format(x)}, ${args.y.format(y)}</title></circle>`)
      .join('');
    return `<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>${markers}`;
  });
  const reference = args.reference
    ? `<line x1="${plot.left}" x2="${plot.right}" y1="${plot.sy(args.reference.value).toFixed(1)}" y2="${plot.sy(args.reference.value).toFixed(1)}" stroke="${COLORS.gray}" stroke-dasharray="3 3"/>` +
      `<text x="${plot.left + 4}" y="${(plot.sy(args.reference.value) + 11).toFixed(1)}" class="note">${escapeHtml(args.reference.label)}</text>`
    : '';
  const legend =
    args.series.length > 1
      ? args.series
          .map((series, i) => `<g transform="translate(${plot.left + i * 110},${height + 6})"><rect width="10" height="3" y="-4" fill="${series.color}"/><text x="14" y="0" class="note">${escapeHtml(series.label)}</text></g>`)
          .join('')
      : '';
  return svg(width, height + (legend ? 14 : 0), args.title, `${plot.axes}${reference}${lines.join('')}${legend}`);
}

/** One row of a {@link renderIntervalChart}. */
export interface IntervalRow {
  label: string;
  value: number | null;
  lower: number;
  upper: number;
  highlighted: boolean;
  /** Extra text after the label, such as the slice size. */
  detail: string;
}

/**
 * Renders a forest plot: one row per slice with its accuracy and confidence interval, a band
 * for the overall interval and a line at the overall accuracy. Highlighted rows are drawn in
 * vermillion.
 */
export function renderIntervalChart(title: string, rows: IntervalRow[], overall: { value: number; lower: number; upper: number }): string {
  const width = 680;
  const labelWidth = 230;
  const rowHeight = 17;
  const height = MARGIN.top + rows.length * rowHeight + 34;
  const lowest = Math.min(overall.lower, ...rows.filter((row) => row.value !== null).map((row) => row.lower));
  const min = Math.max(0, Math.floor((lowest - 0.02) * 20) / 20);
  const left = labelWidth + 8;
  const right = width - 16;
  const sx = (value: number) => left + ((value - min) / (1 - min)) * (right - left);
  const ticks = accuracyAxis(min, (1 - min) > 0.5 ? 0.1 : 0.05).ticks;

  const grid = ticks
    .map((tick) => `<line x1="${sx(tick).toFixed(1)}" x2="${sx(tick).toFixed(1)}" y1="${MARGIN.top - 6}" y2="${height - 28}" class="grid"/><text x="${sx(tick).toFixed(1)}" y="${height - 14}" text-anchor="middle" class="tick">${formatPercent(tick, 0)}</text>`)
    .join('');
  const band =
    `<rect x="${sx(overall.lower).toFixed(1)}" y="${MARGIN.top - 6}" width="${Math.max(1, sx(overall.upper) - sx(overall.lower)).toFixed(1)}" height="${height - 22 - MARGIN.top}" fill="${COLORS.sky}" opacity="0.25"/>` +
    `<line x1="${sx(overall.value).toFixed(1)}" x2="${sx(overall.value).toFixed(1)}" y1="${MARGIN.top - 6}" y2="${height - 28}" stroke="${COLORS.blue}" stroke-dasharray="4 3"/>`;
  const body = rows
    .map((row, i) => {
      const y = MARGIN.top + i * rowHeight + rowHeight / 2;
      const color = row.highlighted ? COLORS.vermillion : COLORS.black;
      const label = `<text x="${labelWidth}" y="${y + 4}" text-anchor="end" class="${row.highlighted ? 'label flagged' : 'label'}">${escapeHtml(row.label)} <tspan class="note">${escapeHtml(row.detail)}</tspan></text>`;
      if (row.value === null) return label;
      return (
        `${label}<line x1="${sx(row.lower).toFixed(1)}" x2="${sx(row.upper).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="1.5"/>` +
        `<circle cx="${sx(row.value).toFixed(1)}" cy="${y}" r="3.5" fill="${color}"><title>${escapeHtml(row.label)}: ${formatPercent(row.value)} (${formatPercent(row.lower)} to ${formatPercent(row.upper)})</title></circle>`
      );
    })
    .join('');
  return svg(width, height, title, `${grid}${band}${body}<text x="${(left + right) / 2}" y="${height - 2}" text-anchor="middle" class="axis-label">accuracy with 95% Wilson interval; band: whole test set</text>`);
}

/** A confidence bin for {@link renderReliabilityDiagram}. */
export interface DiagramBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number | null;
  accuracy: number | null;
}

/**
 * Renders a reliability diagram: a bar per non-empty confidence bin up to its accuracy, a
 * hatched gap to its mean confidence, and the diagonal of perfect calibration. The bar opacity
 * grows with the bin's share of predictions.
 */
export function renderReliabilityDiagram(title: string, bins: DiagramBin[], note: string): string {
  const width = 300;
  const height = 280;
  const axis: Axis = { min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], format: (value) => value.toFixed(1), label: '' };
  const plot = plotArea(width, height, { ...axis, label: 'confidence (top-1 probability)' }, { ...axis, label: 'accuracy' });
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  const bars = bins
    .filter((bin) => bin.accuracy !== null && bin.meanConfidence !== null)
    .map((bin) => {
      const x = plot.sx(bin.lower) + 1;
      const barWidth = plot.sx(bin.upper) - plot.sx(bin.lower) - 2;
      const accuracy = bin.accuracy as number;
      const confidence = bin.meanConfidence as number;
      const opacity = 0.35 + 0.65 * Math.sqrt(bin.count / Math.max(total, 1));
      const gapTop = plot.sy(Math.max(accuracy, confidence));
      const gapHeight = Math.abs(plot.sy(accuracy) - plot.sy(confidence));
      return (
        `<rect x="${x.toFixed(1)}" y="${plot.sy(accuracy).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(plot.bottom - plot.sy(accuracy)).toFixed(1)}" fill="${COLORS.blue}" opacity="${opacity.toFixed(2)}">` +
        `<title>confidence ${bin.lower.toFixed(2)}-${bin.upper.toFixed(2)}: ${bin.count} predictions, accuracy ${formatPercent(accuracy)}, mean confidence ${formatPercent(confidence)}</title></rect>` +
        `<rect x="${x.toFixed(1)}" y="${gapTop.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${gapHeight.toFixed(1)}" fill="url(#gap)" stroke="${COLORS.vermillion}" stroke-width="0.8"/>`
      );
    })
    .join('');
  const diagonal = `<line x1="${plot.sx(0)}" y1="${plot.sy(0)}" x2="${plot.sx(1)}" y2="${plot.sy(1)}" stroke="${COLORS.gray}" stroke-dasharray="4 3"/>`;
  const pattern = `<defs><pattern id="gap" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="4" fill="${COLORS.vermillion}" opacity="0.5"/></pattern></defs>`;
  const text = `<text x="${plot.left + 6}" y="${plot.top + 14}" class="note">${escapeHtml(note)}</text>`;
  return svg(width, height, title, `${pattern}${plot.axes}${bars}${diagonal}${text}`);
}

interface PlotArea {
  left: number;
  right: number;
  top: number;
  bottom: number;
  sx(value: number): number;
  sy(value: number): number;
  axes: string;
}

function plotArea(width: number, height: number, x: Axis, y: Axis): PlotArea {
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const sx = (value: number) => left + ((value - x.min) / (x.max - x.min || 1)) * (right - left);
  const sy = (value: number) => bottom - ((value - y.min) / (y.max - y.min || 1)) * (bottom - top);
  const xTicks = x.ticks
    .map((tick) => `<line x1="${sx(tick).toFixed(1)}" x2="${sx(tick).toFixed(1)}" y1="${top}" y2="${bottom}" class="grid"/><text x="${sx(tick).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" class="tick">${escapeHtml(x.format(tick))}</text>`)
    .join('');
  const yTicks = y.ticks
    .map((tick) => `<line x1="${left}" x2="${right}" y1="${sy(tick).toFixed(1)}" y2="${sy(tick).toFixed(1)}" class="grid"/><text x="${left - 5}" y="${(sy(tick) + 3.5).toFixed(1)}" text-anchor="end" class="tick">${escapeHtml(y.format(tick))}</text>`)
    .join('');
  const labels =
    `<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle" class="axis-label">${escapeHtml(x.label)}</text>` +
    `<text transform="translate(12,${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(y.label)}</text>` +
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#bbb"/>`;
  return { left, right, top, bottom, sx, sy, axes: `${xTicks}${yTicks}${labels}` };
}

function svg(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${MARGIN.left}" y="16" class="chart-title">${escapeHtml(title)}</text>${body}</svg>`
  );
}
