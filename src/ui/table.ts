/**
 * Aligned columns for terminals: widths count what is visible (colour codes stripped).
 */
import { stripVTControlCharacters } from 'node:util';
import { fitTable, type ColumnFit } from './fit.js';
import type { Colors } from './io.js';

/** Visible width of a string that may hold colour codes. */
export function visibleWidth(s: string): number {
  return stripVTControlCharacters(s).length;
}

export function pad(s: string, width: number): string {
  const visible = visibleWidth(s);
  return visible >= width ? s : s + ' '.repeat(width - visible);
}

/** A plain aligned table; the header is dimmed. With a width, fitted to it (src/ui/fit.ts). */
export function table(c: Colors, header: string[], rows: string[][], fit?: { columns: readonly ColumnFit[]; width: number | undefined }): string {
  if (fit?.width) {
    const [head, ...body] = fitTable([header, ...rows], fit.columns, fit.width);
    return [c.dim(head), ...body].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i])))
      .join('  ')
      .trimEnd();
  return [c.dim(line(header)), ...rows.map(line)].join('\n');
}
