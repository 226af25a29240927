import fs from 'node:fs';
import path from 'node:path';
import type { QualityReport, ReportFigures } from './build-quality-report.js';
import { renderReportHtml } from './report/render-report-html.js';

/** Paths of the files that {@link writeQualityReport} wrote. */
export interface WrittenReport {
  dir: string;
  html: string;
  json: string;
}

/**
 * Writes `report.json` and the self-contained `report.html` into `<reportsDir>/<version>/`,
 * creating the folder, each through a temporary file and a rename so a reader never sees half
 * a file.
 */
export async function writeQualityReport(reportsDir: string, report: QualityReport, figures: ReportFigures): Promise<WrittenReport> {
  const dir = path.resolve(reportsDir, report.model.version);
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'report.json');
  const html = path.join(dir, 'report.html');
  writeAtomically(json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(html, await renderReportHtml(report, figures));
  return { dir, html, json };
}

function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}
