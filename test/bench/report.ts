/** One figure of the benchmark: printed as a table row, and kept under `key` in the JSON line. */
export interface Row {
  key: string;
  label: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
  digits?: number;
}

/** A table printed before the figures, for detail that is not compared between runs. */
export interface Detail {
  title: string;
  header: string[];
  rows: string[][];
}

/** The table for people, then (last line) one JSON object of every figure for comparing runs (n/a ones left out). */
export function printReport(title: string, rows: Row[], notes: string[], details: Detail[] = []): void {
  for (const d of details) {
    console.log(`\n${d.title}\n`);
    printTable(d.header, d.rows, new Set(d.header.map((_, i) => i).slice(1)));
  }
  console.log(`\n${title}\n`);
  const cells = rows.map((r) => [r.label, `${format(r.value, r.digits)} ${r.unit}`.trim(), r.target ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  printTable(['figure', 'value', 'target', 'ok?'], cells, new Set([1]));
  if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  const figures: Record<string, number> = {};
  for (const r of rows) if (Number.isFinite(r.value)) figures[r.key] = round(r.value, 4);
  for (const r of rows) if (r.ok !== undefined) figures[`${r.key}_ok`] = r.ok ? 1 : 0;
  console.log(JSON.stringify(figures));
}

/** A Markdown table; columns in `right` are right-aligned. */
function printTable(header: string[], cells: string[][], right: Set<number>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${widths.map((w, i) => (right.has(i) ? (c[i] ?? '').padStart(w) : (c[i] ?? '').padEnd(w))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

function format(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
