/**
 * Formats rows as a plain-text table with a header line and a rule under it. Columns are
 * padded to their widest cell; a column whose cells all look numeric is right-aligned.
 */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = header.map((title, c) => Math.max(title.length, ...cells.map((row) => (row[c] ?? '').length)));
  const numeric = header.map((_, c) => cells.length > 0 && cells.every((row) => /^-?[\d.,%]+( ms| s)?$|^-$/.test(row[c] ?? '')));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}
