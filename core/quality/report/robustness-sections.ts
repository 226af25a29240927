import type { QualityReport, ReportFigures } from '../build-quality-report.js';
import { CORRUPTIONS, corruptImages } from '../corruption-suite.js';
import { COLORS, escapeHtml, formatPercent } from './markup.js';
import { grayscaleDataUri } from './png-images.js';
import { accuracyAxis, renderLineChart, type Axis } from './svg-charts.js';

const SEVERITY_AXIS: Axis = { min: 0, max: 5, ticks: [0, 1, 2, 3, 4, 5], format: (value) => String(value), label: 'severity (0 = clean)' };

/**
 * Renders the corruption section: the mean corruption accuracy, one small chart per corruption,
 * the accuracy table, and one test image under every corruption and severity.
 */
export async function renderCorruptionSection(report: QualityReport, figures: ReportFigures): Promise<string> {
  const benchmark = report.corruptions;
  const lowest = Math.min(benchmark.cleanAccuracy, ...benchmark.curves.flatMap((curve) => curve.accuracy));
  const yAxis = accuracyAxis(Math.max(0, Math.floor(lowest * 5) / 5), 0.2);
  const charts = benchmark.curves
    .map((curve) =>
      renderLineChart({
        title: curve.label,
        x: SEVERITY_AXIS,
        y: yAxis,
        width: 300,
        height: 180,
        series: [{ label: curve.label, color: COLORS.blue, points: [[0, benchmark.cleanAccuracy], ...curve.accuracy.map((value, s) => [s + 1, value] as [number, number])] }],
        reference: { value: benchmark.meanCorruptionAccuracy, label: 'mean over all corruptions' },
      }),
    )
    .map((chart) => `<figure>${chart}</figure>`)
    .join('');
  const table = `<table><thead><tr><th>corruption</th><th>parameter</th>${[1, 2, 3, 4, 5].map((s) => `<th class="num">severity ${s}</th>`).join('')}<th class="num">mean</th></tr></thead><tbody>${benchmark.curves
    .map((curve) => {
      const mean = curve.accuracy.reduce((sum, value) => sum + value, 0) / curve.accuracy.length;
      return `<tr><td>${escapeHtml(curve.label)}</td><td>${escapeHtml(curve.parameter)}: ${curve.parameters.join(', ')}</td>${curve.accuracy.map((value) => `<td class="num">${formatPercent(value)}</td>`).join('')}<td class="num"><b>${formatPercent(mean)}</b></td></tr>`;
    })
    .join('')}</tbody></table>`;

  return `<section id="corruptions"><h2>Corruptions</h2>
<p>Accuracy on ${benchmark.sampleSize} test images under nine corruptions at five severities. Clean accuracy on this sample is ${formatPercent(benchmark.cleanAccuracy, 2)}; the <b>mean corruption accuracy</b> over all 45 settings is <b>${formatPercent(benchmark.meanCorruptionAccuracy, 2)}</b>.</p>
<div class="grid3">${charts}</div>
<details><summary>Accuracy table</summary>${table}</details>
<h3>What the corruptions look like</h3>${await renderCorruptionStrip(figures)}
</section>`;
}

async function renderCorruptionStrip(figures: ReportFigures): Promise<string> {
  const { test } = figures;
  const shape = { height: test.height, width: test.width };
  const size = test.height * test.width;
  const image = test.images.subarray(0, size);
  const rows = await Promise.all(
    CORRUPTIONS.map(async (corruption, k) => {
      const cells = [await grayscaleDataUri(image, test.height, test.width, 2)];
      for (let severity = 1; severity <= 5; severity++) {
        cells.push(await grayscaleDataUri(corruptImages(image, 1, shape, corruption, severity, 100 + k), test.height, test.width, 2));
      }
      return `<tr><th>${escapeHtml(corruption.label)}</th>${cells.map((uri) => `<td><img src="${uri}" alt="" width="${test.width * 2}" height="${test.height * 2}"></td>`).join('')}</tr>`;
    }),
  );
  return `<table class="strip"><thead><tr><th></th><th>clean</th>${[1, 2, 3, 4, 5].map((s) => `<th>${s}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Renders the adversarial section: accuracy against epsilon for FGSM and PGD, the table, and example images. */
export async function renderAdversarialSection(report: QualityReport, figures: ReportFigures): Promise<string> {
  const adversarial = report.adversarial;
  const maxEpsilon = Math.max(...adversarial.results.map((result) => result.epsilon));
  const xAxis: Axis = {
    min: 0,
    max: maxEpsilon,
    ticks: [0, ...adversarial.results.map((result) => result.epsilon)],
    format: (value) => (value === 0 ? '0' : String(value)),
    label: 'epsilon (fraction of full scale, L-infinity)',
  };
  const chart = renderLineChart({
    title: 'Accuracy under attack',
    x: xAxis,
    y: accuracyAxis(0, 0.2),
    width: 420,
    height: 260,
    series: [
      { label: 'FGSM', color: COLORS.orange, points: [[0, adversarial.cleanAccuracy], ...adversarial.results.map((result) => [result.epsilon, result.fgsmAccuracy] as [number, number])] },
      { label: `PGD, ${adversarial.pgdSteps} steps`, color: COLORS.vermillion, points: [[0, adversarial.cleanAccuracy], ...adversarial.results.map((result) => [result.epsilon, result.pgdAccuracy] as [number, number])] },
    ],
  });
  const table = `<table><thead><tr><th class="num">epsilon</th><th class="num">grey levels</th><th class="num">FGSM accuracy</th><th class="num">PGD accuracy</th></tr></thead><tbody>${adversarial.results
    .map((result) => `<tr><td class="num">${result.epsilon}</td><td class="num">${(result.epsilon * 255).toFixed(1)}</td><td class="num">${formatPercent(result.fgsmAccuracy)}</td><td class="num">${formatPercent(result.pgdAccuracy)}</td></tr>`)
    .join('')}</tbody></table>`;

  return `<section id="adversarial"><h2>Adversarial attacks</h2>
<p>White-box attacks with TensorFlow.js gradients on ${adversarial.sampleSize} test images (clean accuracy ${formatPercent(adversarial.cleanAccuracy, 1)}). FGSM takes one step of size epsilon along the sign of the loss gradient; PGD takes ${adversarial.pgdSteps} steps of 2.5 epsilon / ${adversarial.pgdSteps} from a random start and projects back into the epsilon ball after each. Epsilon is the largest change of any pixel, as a fraction of the 0-255 range.</p>
<div class="row"><figure>${chart}</figure>${table}</div>
<h3>Examples at epsilon ${adversarial.examples[0]?.epsilon ?? ''}</h3>${await renderAttackExamples(report, figures)}
</section>`;
}

async function renderAttackExamples(report: QualityReport, figures: ReportFigures): Promise<string> {
  const { height, width } = figures.test;
  const names = report.model.classNames;
  const cards = await Promise.all(
    figures.adversarial.examples.map(async (example) => {
      const difference = example.pgd.pixels.map((value, p) => Math.min(255, 128 + 4 * (value - (example.clean.pixels[p] as number))));
      const panels: [string, Uint8Array, string][] = [
        ['clean', example.clean.pixels, `${names[example.clean.predicted] ?? ''} ${formatPercent(example.clean.confidence, 0)}`],
        ['FGSM', example.fgsm.pixels, `${names[example.fgsm.predicted] ?? ''} ${formatPercent(example.fgsm.confidence, 0)}`],
        ['PGD', example.pgd.pixels, `${names[example.pgd.predicted] ?? ''} ${formatPercent(example.pgd.confidence, 0)}`],
        ['PGD change x4', difference, 'gray = 0'],
      ];
      const images = await Promise.all(
        panels.map(async ([title, pixels, caption]) => `<figure class="card"><img src="${await grayscaleDataUri(pixels, height, width)}" alt="${title}" width="${width * 4}" height="${height * 4}"><figcaption>${title}<br><b>${escapeHtml(caption)}</b></figcaption></figure>`),
      );
      return `<div class="example"><div class="note">true: ${escapeHtml(names[example.label] ?? '')}</div><div class="gallery">${images.join('')}</div></div>`;
    }),
  );
  return `<div class="examples">${cards.join('')}</div>`;
}
