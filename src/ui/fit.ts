/**
 * Lines and tables that fit the terminal's width. Widths count terminal columns: colour codes
 * take none, East Asian wide characters and emoji take two, combining marks none. Cells are
 * fitted after sanitize escaped them (a request's ESC is the four columns `\x1b` by then).
 *
 * Each column says how it gives way when a row is too wide, in steps (lowest first): at its
 * `shrink` step it is cut down towards `min` columns with an ellipsis, at its `drop` step it
 * is hidden. Columns with neither never give way, except, as a last resort, the ones with a
 * `min` (the event): cut down to it. A `rest`
 * column (the last) takes whatever width is left on its line, or disappears. An `overflow`
 * column (the event in a stream) may spill into the shrinkable columns right after it when a
 * value is longer than its width, so the columns after those stay where they are.
 *
 * With no width (not a terminal) nothing is fitted: the output is exactly as before.
 */
import { stripVTControlCharacters } from 'node:util';

export interface ColumnFit {
  /** When it is cut down to `min` (lower first; columns sharing a step shrink together). */
  shrink?: number;
  /** When it is hidden (same scale as shrink). */
  drop?: number;
  /** The fewest columns it is cut down to, ellipsis included (default 1). */
  min?: number;
  /** The last column: whatever is left on the line (at least `min`, default 10), or nothing. */
  rest?: boolean;
  /** May spill into the shrinkable columns right after it (see above). */
  overflow?: boolean;
}

const GAP = 2;
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/y;
const MARK = /^[\p{Mn}\p{Me}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

/** Columns a code point takes in a terminal. */
function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x300) return 1;
  // Combining marks, zero-width spaces and joiners, variation selectors.
  if (MARK.test(ch) || (cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    EMOJI.test(ch)
  ) {
    return 2;
  }
  return 1;
}

/** Columns a string takes in a terminal (colour codes stripped). */
export function displayWidth(s: string): number {
  let width = 0;
  for (const ch of stripVTControlCharacters(s)) width += charWidth(ch);
  return width;
}

/**
 * At most `width` columns of `s`, its colour codes kept; when cut, the last column is "…"
 * (and colour is reset, in case the cut was inside a coloured span).
 */
export function cutToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let coloured = false;
  let i = 0;
  while (i < s.length) {
    SGR.lastIndex = i;
    const code = SGR.exec(s);
    if (code) {
      out += code[0];
      coloured = true;
      i += code[0].length;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    const w = charWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
    i += ch.length;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

function padTo(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** Width of a row of visible columns (0 = hidden) with their gaps. */
function used(widths: number[]): number {
  const visible = widths.filter((w) => w > 0);
  return visible.reduce((a, b) => a + b, 0) + GAP * Math.max(0, visible.length - 1);
}

/**
 * The width each column gets (0 = hidden) so that a row of columns `natural` wide fits in
 * `total`. A `rest` column is left out here: `fitLine` gives it what is left.
 */
export function fitWidths(natural: readonly number[], fits: readonly ColumnFit[], total: number): number[] {
  const restIndex = fits.findIndex((f) => f.rest);
  const restMin = restIndex >= 0 ? (fits[restIndex].min ?? 10) : 0;
  const steps = [...new Set(fits.flatMap((f) => [f.shrink, f.drop]).filter((o): o is number => o !== undefined))].sort((a, b) => a - b);
  /** The widths for `budget`; `gaveWay` when that took more than shrinking (a drop, a last resort). */
  const attempt = (budget: number) => {
    const w = natural.map((n, i) => (i === restIndex ? 0 : n));
    let gaveWay = false;
    const shrunk: number[] = [];
    const shrinkWidest = (columns: number[]) => {
      while (used(w) > budget) {
        const widest = columns.filter((i) => w[i] > (fits[i].min ?? 1)).sort((a, b) => w[b] - w[a])[0];
        if (widest === undefined) return;
        w[widest]--;
      }
    };
    for (const step of steps) {
      if (used(w) <= budget) break;
      fits.forEach((f, i) => {
        if (f.drop === step && i !== restIndex && w[i] > 0) {
          w[i] = 0;
          gaveWay = true;
        }
      });
      const shrinking = fits.map((f, i) => (f.shrink === step && i !== restIndex && w[i] > 0 ? i : -1)).filter((i) => i >= 0);
      shrunk.push(...shrinking);
      shrinkWidest(shrinking);
    }
    // Last resort: the columns that never give way but have a minimum (the event).
    if (used(w) > budget) gaveWay = true;
    shrinkWidest(fits.map((f, i) => (f.shrink === undefined && f.drop === undefined && f.min !== undefined && w[i] > 0 ? i : -1)).filter((i) => i >= 0));
    // Width left over goes back to what was cut, the overflow column first, up to its natural width.
    for (const i of [...fits.map((f, i) => (f.overflow ? i : -1)).filter((i) => i >= 0), ...shrunk.reverse()]) {
      const slack = budget - used(w);
      if (slack <= 0) break;
      if (w[i] > 0) w[i] += Math.min(slack, natural[i] - w[i]);
    }
    return { w, gaveWay };
  };
  // Room for the rest column when shrinking alone makes it; it never costs a column.
  if (restIndex >= 0) {
    const withRest = attempt(total - restMin - GAP);
    if (!withRest.gaveWay && used(withRest.w) + GAP + restMin <= total) return withRest.w;
  }
  return attempt(total).w;
}

/** A table's rows (the header first) fitted to `total` columns. */
export function fitTable(rows: readonly string[][], fits: readonly ColumnFit[], total: number): string[] {
  const natural = fits.map((_, i) => Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const widths = fitWidths(natural, fits, total);
  return rows.map((r) => fitLine(r, widths, fits, total));
}

/**
 * A stream's columns (listen, --follow) fitted once to `total` from the widths expected, so
 * every line stays aligned: a longer value is cut, or, in the overflow column, spills into
 * the shrinkable columns after it.
 */
export class FittedColumns {
  private readonly widths: number[];
  constructor(
    expected: readonly number[],
    private readonly fits: readonly ColumnFit[],
    private readonly total: number,
  ) {
    this.widths = fitWidths(expected, fits, total);
  }
  line(cells: readonly string[]): string {
    return fitLine(cells, this.widths, this.fits, this.total);
  }
}

/**
 * One row laid out in `widths` (from fitWidths): cells cut to their column with an ellipsis
 * and padded, hidden columns left out, the `rest` column given what is left of `total`.
 */
export function fitLine(cells: readonly string[], widths: readonly number[], fits: readonly ColumnFit[], total: number): string {
  // Where each visible column starts when every one has its planned width.
  const starts: number[] = [];
  let x = 0;
  widths.forEach((w, i) => {
    starts[i] = x;
    if (w > 0 && !fits[i]?.rest) x += w + GAP;
  });
  let line = '';
  let cursor = 0;
  const put = (at: number, text: string) => {
    line += ' '.repeat(Math.max(0, at - cursor)) + text;
    cursor = Math.max(cursor, at) + displayWidth(text);
  };
  for (let i = 0; i < cells.length; i++) {
    const fit = fits[i] ?? {};
    if (fit.rest) {
      const at = line === '' ? 0 : cursor + GAP;
      if (cells[i] && total - at >= (fit.min ?? 10)) put(at, cutToWidth(cells[i], total - at));
      continue;
    }
    const width = widths[i] ?? 0;
    if (width === 0) continue;
    const start = starts[i];
    const end = start + width;
    if (line !== '' && cursor + GAP > start) {
      // The column before spilled into this one: it gets what is left of it, or is left out.
      const room = end - (cursor + GAP);
      if (room >= 2) put(cursor + GAP, padTo(cutToWidth(cells[i], room), room));
      continue;
    }
    let room = width;
    if (fit.overflow) {
      // A longer value may take the shrinkable columns right after this one, on this line.
      let spillEnd = end;
      for (let j = i + 1; j < cells.length && fits[j]?.shrink !== undefined && !fits[j]?.rest; j++) {
        if ((widths[j] ?? 0) > 0) spillEnd = starts[j] + widths[j];
      }
      room = Math.max(width, Math.min(displayWidth(cells[i]), spillEnd - start));
    }
    put(start, padTo(cutToWidth(cells[i], room), width));
  }
  return line.trimEnd();
}

/** A stream's fitted columns, or none when there is no width to fit (not a terminal). */
export function streamColumns(width: number | undefined, expected: readonly number[], fits: readonly ColumnFit[]): FittedColumns | undefined {
  return width ? new FittedColumns(expected, fits, width) : undefined;
}

// How each view gives way. Kept whole: the id, the event (spills into the repository and the
// sender, cut only as a last resort), the signature verdict and the status.

/** listen's line: time, event, repository, @sender, id, verdict, status, then a redelivery or a reason. */
export const LISTEN_FIT: readonly ColumnFit[] = [{ drop: 3 }, { overflow: true, min: 12 }, { shrink: 1, min: 6, drop: 4 }, { shrink: 1, min: 6, drop: 2 }, {}, {}, {}, { rest: true, min: 16 }];
/** What listen's columns are planned for: most event names fit (longer ones spill). */
export const LISTEN_EXPECTED: readonly number[] = [8, 24, 22, 12, 7, 11, 3, 0];
/** `deliveries list` and `--follow`: ID, EVENT, REPOSITORY, SENDER, SIGNATURE, STATUS, FORWARD, RECEIVED (a status "200 (github)" is cut to "200…" last). */
export const LIST_FIT: readonly ColumnFit[] = [{}, { overflow: true, min: 12 }, { shrink: 1, min: 6, drop: 5 }, { shrink: 1, min: 6, drop: 3 }, {}, { min: 4 }, { drop: 4 }, { drop: 2 }];
/** `send --list`: EVENT, SAMPLE, FOR, DESCRIPTION. */
export const SAMPLES_FIT: readonly ColumnFit[] = [{ min: 12 }, { drop: 1 }, { drop: 2 }, { rest: true, min: 16 }];
