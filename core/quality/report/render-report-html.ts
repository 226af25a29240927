import type { QualityReport, ReportFigures } from '../build-quality-report.js';
import { renderCalibrationSection, renderMistakesSection, renderSlicesSection, renderVariantsSection } from './evaluation-sections.js';
import { renderExplanationSection } from './explanation-sections.js';
import { escapeHtml, formatPercent } from './markup.js';
import { renderAdversarialSection, renderCorruptionSection } from './robustness-sections.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 8px;padding-top:12px;border-top:1px solid #ddd}h3{font-size:15px;margin:22px 0 6px}
.meta{color:#555}.note{font-size:11px;fill:#555;color:#555}.method{color:#444;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}.cards div{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:140px}
.cards b{display:block;font-size:20px}.cards span{font-size:12px;color:#555}
nav a{margin-right:12px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}tr.flagged td{color:#b34400;font-weight:600}
table.matrix td{min-width:64px;text-align:center}table.strip td,table.strip th{padding:2px 4px;text-align:center;border:none}
table.class-maps td{padding:4px;text-align:center}table.class-maps img{display:block;margin:2px auto}
.callout{border-left:4px solid #D55E00;background:#fff4ec;padding:8px 12px}.ok{border-left:4px solid #009E73;background:#eefaf5;padding:8px 12px}
.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.grid3{display:grid;grid-template-columns:repeat(3,auto);gap:4px;justify-content:start}
figure{margin:6px 0}figcaption{font-size:12px;color:#333}
.gallery{display:flex;flex-wrap:wrap;gap:8px}.card{width:116px;margin:0}.card img{display:block;image-rendering:pixelated;border:1px solid #ccc}
img{image-rendering:pixelated}.examples{display:grid;grid-template-columns:repeat(2,auto);gap:12px 28px;justify-content:start}
.explained{display:flex;flex-wrap:wrap;gap:14px 22px}.explained figure{margin:0}.explained img{margin-right:3px;border:1px solid #ccc}
svg text{font-family:inherit}.chart-title{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#555}.axis-label{font-size:11px;fill:#333}
.label{font-size:11px}.flagged{fill:#D55E00;font-weight:600}.grid{stroke:#eee}
code{background:#f2f2f2;padding:1px 4px;border-radius:3px}details{margin:8px 0}summary{cursor:pointer;color:#0072B2}
`;

/**
 * Renders the quality report as one self-contained HTML page: inline CSS, charts as inline
 * SVG and images as PNG data URIs, so the file can be mailed or archived on its own.
 */
export async function renderReportHtml(report: QualityReport, figures: ReportFigures): Promise<string> {
  const sections = [
    renderSlicesSection(report),
    await renderCorruptionSection(report, figures),
    await renderAdversarialSection(report, figures),
    renderCalibrationSection(report),
    await renderExplanationSection(report, figures),
    await renderMistakesSection(report, figures),
    renderVariantsSection(report),
    renderSettings(report),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Quality report: ${escapeHtml(report.model.version)}</title><style>${STYLE}</style></head>
<body><main>${renderHeader(report)}${sections.join('\n')}</main></body></html>
`;
}

function renderHeader(report: QualityReport): string {
  const { model, test, corruptions, adversarial, calibration } = report;
  const strongest = adversarial.results[adversarial.results.length - 1];
  const middle = adversarial.results.find((result) => result.epsilon === adversarial.examples[0]?.epsilon) ?? strongest;
  const flagged = report.slices.slices.filter((slice) => slice.significantlyWorse).length;
  const cards: [string, string, string][] = [
    ['test accuracy', formatPercent(test.accuracy, 2), `${test.count} images, macro-F1 ${test.macroF1.toFixed(3)}`],
    ['mean corruption accuracy', formatPercent(corruptions.meanCorruptionAccuracy, 1), '9 corruptions x 5 severities'],
    [`PGD accuracy, epsilon ${middle?.epsilon ?? ''}`, formatPercent(middle?.pgdAccuracy ?? null, 1), `FGSM ${formatPercent(middle?.fgsmAccuracy ?? null, 1)}`],
    ['ECE on test', `${formatPercent(calibration.test.before.expectedCalibrationError, 2)} → ${formatPercent(calibration.test.after.expectedCalibrationError, 2)}`, `temperature ${calibration.temperature.toFixed(3)}`],
    ['slices significantly worse', String(flagged), `of ${report.slices.slices.length}`],
  ];
  const lineage = model.parentVersion ? `, ${model.quantization?.dtype ?? ''} variant of ${escapeHtml(model.parentVersion)}` : '';
  return `<header><h1>Quality report: ${escapeHtml(model.version)}${model.stage ? ` <span class="meta">(${escapeHtml(model.stage)})</span>` : ''}</h1>
<p class="meta">${escapeHtml(model.architecture)}, ${model.parameterCount.toLocaleString('en')} parameters${lineage}, created ${escapeHtml(model.createdAt)}. Data: ${escapeHtml(report.data.id)} (${report.data.testCount} test, ${report.data.validationCount} validation images). Report generated ${escapeHtml(report.generatedAt)} in ${(report.durationMs / 1000).toFixed(0)} s on the ${escapeHtml(report.backend)} backend${report.quick ? ', <b>quick mode</b> (smaller samples)' : ''}.</p>
<div class="cards">${cards.map(([label, value, detail]) => `<div><span>${escapeHtml(label)}</span><b>${value}</b><span>${escapeHtml(detail)}</span></div>`).join('')}</div>
<nav><a href="#slices">Slices</a><a href="#corruptions">Corruptions</a><a href="#adversarial">Adversarial</a><a href="#calibration">Calibration</a><a href="#explanations">Explanations</a><a href="#mistakes">Mistakes</a><a href="#variants">Quantized variants</a><a href="#settings">Settings</a></nav></header>`;
}

function describeSetting(value: unknown): string {
  if (value === null) return 'whole test set';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function renderSettings(report: QualityReport): string {
  const rows = Object.entries(report.settings)
    .map(([name, value]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(describeSetting(value))}</td></tr>`)
    .join('');
  const timings = Object.entries(report.timings)
    .map(([name, ms]) => `<tr><td>${escapeHtml(name)}</td><td class="num">${(ms / 1000).toFixed(1)} s</td></tr>`)
    .join('');
  return `<section id="settings"><h2>Settings and timings</h2><div class="row"><table><caption>Sample sizes</caption><tbody>${rows}</tbody></table><table><caption>Time per section</caption><tbody>${timings}</tbody></table></div>
<p class="method">Every number comes from <code>report.json</code> beside this file. Samples, corruptions and PGD starts use fixed seeds, so a rerun on the same model, data and backend gives the same accuracies; timings vary with the machine's load.</p></section>`;
}
