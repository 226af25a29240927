import type { QualityReport, ReportFigures } from '../build-quality-report.js';
import { escapeHtml, formatPercent } from './markup.js';
import { grayscaleDataUri, heatmapDataUri } from './png-images.js';

/**
 * Renders the explanation section: saliency and occlusion maps over one image per class,
 * per-class mean maps, and the permutation importance of image regions.
 */
export async function renderExplanationSection(report: QualityReport, figures: ReportFigures): Promise<string> {
  const { test, explanations } = figures;
  const { height, width } = test;
  const size = height * width;
  const names = report.model.classNames;
  const image = (index: number) => test.images.subarray(index * size, (index + 1) * size);

  const exampleCards = await Promise.all(
    explanations.examples.map(async (example) => {
      const pixels = image(example.testIndex);
      const cells = [
        await grayscaleDataUri(pixels, height, width, 3),
        await heatmapDataUri(pixels, example.saliency, height, width, { signed: false, scale: 3 }),
        await heatmapDataUri(pixels, example.occlusion, height, width, { signed: true, scale: 3 }),
      ];
      const images = cells.map((uri, k) => `<img src="${uri}" alt="${['image', 'saliency', 'occlusion'][k]}" width="${width * 3}" height="${height * 3}">`).join('');
      return `<figure>${images}<figcaption><b>${escapeHtml(names[example.label] ?? '')}</b> <span class="note">test #${example.testIndex}: image, saliency, occlusion</span></figcaption></figure>`;
    }),
  );

  const classRows = await Promise.all(
    explanations.classes.map(async (entry) => {
      const mean = Uint8Array.from(entry.meanImage, (value) => Math.round(value * 255));
      const cells = [
        await grayscaleDataUri(mean, height, width, 3),
        await heatmapDataUri(mean, entry.saliency, height, width, { signed: false, scale: 3 }),
        await heatmapDataUri(mean, entry.occlusion, height, width, { signed: true, scale: 3 }),
      ];
      return `<td><div class="note">${escapeHtml(names[entry.label] ?? '')}</div>${cells.map((uri) => `<img src="${uri}" alt="" width="${width * 3}" height="${height * 3}">`).join('')}</td>`;
    }),
  );

  return `<section id="explanations"><h2>Explanations</h2>
<p><b>Gradient saliency</b> (yellow is strongest) is the size of the gradient of the true-class logit with respect to each pixel: where a small change would move the score most. <b>Occlusion sensitivity</b> slides a black ${explanations.patchSize} x ${explanations.patchSize} square in steps of ${explanations.stride} pixels and records how much the true-class probability falls: red areas are evidence for the class, blue areas count against it.</p>
<div class="explained">${exampleCards.join('')}</div>
<h3>Per-class means</h3>
<p>Mean image, mean saliency (over the first ${explanations.classes[0]?.saliencyCount ?? 0} test images of each class) and mean occlusion sensitivity (over the first ${explanations.classes[0]?.occlusionCount ?? 0}).</p>
<table class="class-maps"><tbody><tr>${classRows.slice(0, 5).join('')}</tr><tr>${classRows.slice(5).join('')}</tr></tbody></table>
<h3>Permutation importance of image regions</h3>${await renderPermutation(report, figures)}
</section>`;
}

async function renderPermutation(report: QualityReport, figures: ReportFigures): Promise<string> {
  const permutation = report.explanations.permutation;
  const { height, width } = figures.test;
  const map = new Float32Array(height * width);
  for (const region of permutation.regions) {
    for (let y = region.top; y < region.top + region.height; y++) map.fill(region.accuracyDrop, y * width + region.left, y * width + region.left + region.width);
  }
  const overallMean = new Uint8Array(height * width);
  for (const entry of figures.explanations.classes) {
    entry.meanImage.forEach((value, p) => (overallMean[p] = Math.min(255, (overallMean[p] as number) + Math.round((value * 255) / figures.explanations.classes.length))));
  }
  const uri = await heatmapDataUri(overallMean, map, height, width, { signed: true, scale: 8, maxAlpha: 0.7 });
  const cells = permutation.regions
    .map((region) => `<td class="num" style="background:rgba(215,40,20,${Math.max(0, Math.min(0.8, region.accuracyDrop * 2)).toFixed(2)})">${formatPercent(region.accuracyDrop, 1)}</td>`)
    .reduce<string[]>((rows, cell, i) => {
      if (i % permutation.gridSize === 0) rows.push('');
      rows[rows.length - 1] += cell;
      return rows;
    }, [])
    .map((row) => `<tr>${row}</tr>`)
    .join('');
  return `<p>The images are cut into a ${permutation.gridSize} x ${permutation.gridSize} grid. For each region, its pixels are swapped among ${permutation.sampleSize} test images along a random permutation (${permutation.repeats} time${permutation.repeats === 1 ? '' : 's'}), and the fall in accuracy from ${formatPercent(permutation.baselineAccuracy, 1)} shows how much the model relies on that region.</p>
<div class="row"><figure><img src="${uri}" alt="accuracy drop per region over the mean test image" width="${width * 8}" height="${height * 8}"><figcaption>Accuracy drop per region (red), over the mean test image</figcaption></figure>
<table class="matrix"><caption>Accuracy drop per region</caption><tbody>${cells}</tbody></table></div>`;
}
