import type { QualityReport, ReportFigures } from '../build-quality-report.js';
import type { SliceResult } from '../slices.js';
import { formatBytes, formatPercent, formatPValue, escapeHtml } from './markup.js';
import { grayscaleDataUri } from './png-images.js';
import { renderIntervalChart, renderReliabilityDiagram } from './svg-charts.js';

const KIND_LABELS: Record<SliceResult['kind'], string> = {
  class: 'class',
  brightness: 'brightness',
  contrast: 'contrast',
  inkCoverage: 'ink coverage',
  confusable: 'group',
};

/** Renders the slice section: flagged slices, a forest plot, the slice table and the confusable group's matrix. */
export function renderSlicesSection(report: QualityReport): string {
  const { slices, overall, test, alpha } = report.slices;
  const flagged = slices.filter((slice) => slice.significantlyWorse);
  const rows = slices.map((slice) => ({
    label: slice.kind === 'confusable' ? 'confusable group' : `${KIND_LABELS[slice.kind]}: ${slice.name}`,
    value: slice.accuracy,
    lower: slice.interval.lower,
    upper: slice.interval.upper,
    highlighted: slice.significantlyWorse,
    detail: `n=${slice.size}`,
  }));
  const callout =
    flagged.length === 0
      ? `<p class="ok">No slice is significantly less accurate than the rest of the test set at family-wise alpha ${alpha}.</p>`
      : `<div class="callout"><strong>${flagged.length} slice${flagged.length === 1 ? ' is' : 's are'} significantly worse than the rest of the test set:</strong><ul>${flagged
          .map((slice) => `<li>${escapeHtml(KIND_LABELS[slice.kind])} <b>${escapeHtml(slice.name)}</b>${rangeText(slice)}: ${formatPercent(slice.accuracy)} (${formatPercent(slice.interval.lower)} to ${formatPercent(slice.interval.upper)}, n=${slice.size}), Holm-adjusted p ${formatPValue(slice.adjustedPValue)}</li>`)
          .join('')}</ul></div>`;

  const table = `<table><thead><tr><th>slice</th><th>range</th><th class="num">size</th><th class="num">accuracy</th><th class="num">95% interval</th><th class="num">p</th><th class="num">Holm p</th></tr></thead><tbody>${slices
    .map(
      (slice) =>
        `<tr${slice.significantlyWorse ? ' class="flagged"' : ''}><td>${escapeHtml(KIND_LABELS[slice.kind])}: ${escapeHtml(slice.name)}</td><td>${slice.range ? `${slice.range.lower.toFixed(3)} to ${slice.range.upper.toFixed(3)}` : ''}</td><td class="num">${slice.size}</td><td class="num">${formatPercent(slice.accuracy)}</td><td class="num">${formatPercent(slice.interval.lower)} to ${formatPercent(slice.interval.upper)}</td><td class="num">${formatPValue(slice.pValue)}</td><td class="num">${formatPValue(slice.adjustedPValue)}</td></tr>`,
    )
    .join('')}</tbody></table>`;

  return `<section id="slices"><h2>Slices</h2>
<p>Accuracy on ${overall.size} test images: ${formatPercent(overall.accuracy, 2)} (95% Wilson interval ${formatPercent(overall.interval.lower, 2)} to ${formatPercent(overall.interval.upper, 2)}), macro-F1 ${report.test.macroF1.toFixed(4)}, log loss ${report.test.logLoss.toFixed(4)}.
Brightness is the mean pixel value, contrast the standard deviation of the pixel values (both divided by 255), and ink coverage the share of pixels above 25; each is cut at its test-set quartiles.</p>
<p class="method">Test: ${escapeHtml(test)}</p>
${callout}
<figure>${renderIntervalChart('Accuracy per slice', rows, { value: overall.accuracy, ...overall.interval })}</figure>
<details><summary>Slice table</summary>${table}</details>
${renderConfusableMatrix(report)}
</section>`;
}

function rangeText(slice: SliceResult): string {
  return slice.range ? ` (${slice.range.lower.toFixed(3)} to ${slice.range.upper.toFixed(3)})` : '';
}

function renderConfusableMatrix(report: QualityReport): string {
  const matrix = report.slices.confusableMatrix;
  if (!matrix) return '';
  const rows = matrix.counts
    .map((counts, r) => {
      const total = counts.reduce((sum, value) => sum + value, 0);
      const cells = counts
        .map((count, c) => {
          const share = total === 0 ? 0 : count / total;
          const background = r === c ? `rgba(0,114,178,${(share * 0.8).toFixed(2)})` : `rgba(213,94,0,${Math.min(0.8, share * 3).toFixed(2)})`;
          return `<td class="num" style="background:${background}">${count}<br><span class="note">${formatPercent(share)}</span></td>`;
        })
        .join('');
      return `<tr><th>${escapeHtml(matrix.classNames[r] as string)}</th>${cells}</tr>`;
    })
    .join('');
  return `<h3>Within the confusable group</h3><p>Rows are true classes, columns predicted classes; the shares are of each row.</p>
<table class="matrix"><thead><tr><th>true \\ predicted</th>${matrix.classNames.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Renders the calibration section: reliability diagrams before and after temperature scaling and the error table. */
export function renderCalibrationSection(report: QualityReport): string {
  const calibration = report.calibration;
  const { test, validation, temperature } = calibration;
  const row = (name: string, split: typeof test) =>
    `<tr><td>${name} (${split.count})</td><td class="num">${formatPercent(split.before.expectedCalibrationError, 2)}</td><td class="num">${formatPercent(split.after.expectedCalibrationError, 2)}</td><td class="num">${formatPercent(split.before.maxCalibrationError, 1)}</td><td class="num">${formatPercent(split.after.maxCalibrationError, 1)}</td><td class="num">${split.negativeLogLikelihoodBefore.toFixed(4)}</td><td class="num">${split.negativeLogLikelihoodAfter.toFixed(4)}</td></tr>`;
  const saved = calibration.savedToMetadata
    ? `The temperature was saved in the metadata of ${escapeHtml(report.model.version)}.`
    : `To save it with the model, run the report with <code>--save-temperature</code>.`;
  return `<section id="calibration"><h2>Calibration</h2>
<p>Temperature scaling divides the logits by one number T before the softmax. T = <b>${temperature.toFixed(3)}</b> was fitted on the ${validation.count} validation images by minimising their negative log-likelihood; the test images did not take part. ${temperature > 1 ? 'T above 1 means the model was overconfident.' : 'T below 1 means the model was underconfident.'} Top-1 predictions, and so accuracy, do not change. ${saved}</p>
<div class="row"><figure>${renderReliabilityDiagram('Test set, T = 1', test.before.bins, `ECE ${formatPercent(test.before.expectedCalibrationError, 2)}`)}</figure>
<figure>${renderReliabilityDiagram(`Test set, T = ${temperature.toFixed(2)}`, test.after.bins, `ECE ${formatPercent(test.after.expectedCalibrationError, 2)}`)}</figure></div>
<p class="method">Bars: accuracy in each of ${calibration.binCount} equal-width confidence bins (darker bars hold more predictions); hatched: the gap to the bin's mean confidence; dashed: perfect calibration. ECE is the gap averaged over bins weighted by their share of predictions, MCE the largest gap.</p>
<table><thead><tr><th>split (images)</th><th class="num">ECE, T = 1</th><th class="num">ECE, fitted T</th><th class="num">MCE, T = 1</th><th class="num">MCE, fitted T</th><th class="num">NLL, T = 1</th><th class="num">NLL, fitted T</th></tr></thead>
<tbody>${row('validation', validation)}${row('test', test)}</tbody></table>
${calibration.exactLogits ? '' : '<p class="callout">The model does not end in a softmax layer, so log-probabilities stood in for logits.</p>'}
</section>`;
}

/** Renders the gallery of the most confident mistakes. */
export async function renderMistakesSection(report: QualityReport, figures: ReportFigures): Promise<string> {
  const { test } = figures;
  const size = test.height * test.width;
  const names = report.model.classNames;
  const cards = await Promise.all(
    report.confidentMistakes.map(async (mistake) => {
      const uri = await grayscaleDataUri(test.images.subarray(mistake.index * size, (mistake.index + 1) * size), test.height, test.width);
      return `<figure class="card"><img src="${uri}" alt="test image ${mistake.index}" width="${test.width * 4}" height="${test.height * 4}"><figcaption><b>${escapeHtml(names[mistake.predicted] ?? '')}</b> ${formatPercent(mistake.confidence)}<br>true: ${escapeHtml(names[mistake.label] ?? '')} ${formatPercent(mistake.trueClassProbability)}<br><span class="note">test #${mistake.index}</span></figcaption></figure>`;
    }),
  );
  return `<section id="mistakes"><h2>Most confident mistakes</h2>
<p>The ${report.confidentMistakes.length} wrong test predictions with the highest probability, with the probability given to the true class. Some are label noise in the data set rather than model errors.</p>
<div class="gallery">${cards.join('')}</div></section>`;
}

/** Renders the comparison of the model with its quantized variants. */
export function renderVariantsSection(report: QualityReport): string {
  const comparison = report.variants;
  if (!comparison) {
    const reason = report.model.quantization
      ? `This version is itself a ${report.model.quantization.dtype} variant of ${escapeHtml(report.model.parentVersion ?? 'another version')}; its parent's report compares them.`
      : 'The registry was not available.';
    return `<section id="variants"><h2>Quantized variants</h2><p>${reason}</p></section>`;
  }
  if (comparison.variants.length === 0) {
    return `<section id="variants"><h2>Quantized variants</h2><p>No quantized variant of ${escapeHtml(report.model.version)} is registered. Create float16 and 8-bit variants with <code>npm run optimize -- --model ${escapeHtml(report.model.version)}</code> and run the report again.</p></section>`;
  }
  const rows = [comparison.original, ...comparison.variants]
    .map(
      (measurement) =>
        `<tr><td>${escapeHtml(measurement.version)}</td><td>${measurement.dtype}</td><td class="num">${formatBytes(measurement.sizeBytes)}</td><td class="num">${(measurement.sizeBytes / comparison.original.sizeBytes).toFixed(2)}</td><td class="num">${measurement.loadMs.toFixed(0)}</td><td class="num">${measurement.singleImageMs.toFixed(2)}</td><td class="num">${measurement.batchMsPerImage.toFixed(3)}</td><td class="num">${formatPercent(measurement.accuracy, 2)}</td><td class="num">${formatPercent(measurement.agreement, 2)}</td><td class="num">${measurement.maxProbabilityDifference.toExponential(1)}</td></tr>`,
    )
    .join('');
  return `<section id="variants"><h2>Quantized variants</h2>
<p>Each variant stores the same weights in fewer bits; TensorFlow.js turns them back into float32 when it loads the model, so prediction runs the same float32 arithmetic and its latency does not change beyond noise. What shrinks is the file to store, copy and load. Measured on ${comparison.testCount} test images; latency is the median of ${comparison.latencyRuns} one-image predictions on the ${escapeHtml(report.backend)} backend.</p>
<table><thead><tr><th>version</th><th>weights</th><th class="num">size</th><th class="num">of original</th><th class="num">load ms</th><th class="num">1 image ms</th><th class="num">ms per image, batch 256</th><th class="num">accuracy</th><th class="num">agreement with original</th><th class="num">max probability difference</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
