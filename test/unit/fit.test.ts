/**
 * src/ui/fit.ts: lines and tables that fit the terminal's width, through the views that use
 * it (listen's lines, `deliveries list` and `send --list`'s tables) at 40, 60, 80 and 120
 * columns, with colour on (the codes take no width), wide characters and escaped text.
 */
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../src/core/store/types.js';
import { deliveryTable, LIST_HEADER, listRow } from '../../src/ui/delivery-view.js';
import { cutToWidth, displayWidth, fitLine, fitWidths, LIST_FIT, LISTEN_EXPECTED, LISTEN_FIT, SAMPLES_FIT, streamColumns, type ColumnFit } from '../../src/ui/fit.js';
import { IO } from '../../src/ui/io.js';
import { Columns, receivedLine, type ReceivedLine } from '../../src/ui/lines.js';
import { safe } from '../../src/ui/sanitize.js';
import { table } from '../../src/ui/table.js';

const colors = (env: NodeJS.ProcessEnv) => new IO({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }, env).color;
const c = colors({ FORCE_COLOR: '1' });
const plain = colors({ NO_COLOR: '1' });
const WIDTHS = [40, 60, 80, 120];
const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth));

describe('displayWidth and cutToWidth', () => {
  it('count terminal columns: colour codes none, CJK and emoji two, combining marks none', () => {
    expect(displayWidth(c.green('✓ signed'))).toBe(8);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('🚀 ship')).toBe(7);
    expect(displayWidth('e\u0301t\u00e9')).toBe(3);
    // sanitize escapes first: a request's ESC is four visible columns by then
    expect(displayWidth(safe('a\u001b[2Jb'))).toBe(9);
  });

  it('cut to a width with an ellipsis, never splitting a wide character, colour reset after a cut', () => {
    expect(cutToWidth('Codertocat/Hello-World', 10)).toBe('Codertoca…');
    expect(cutToWidth('short', 10)).toBe('short');
    expect(cutToWidth('日本語のリポジトリ', 7)).toBe('日本語…');
    expect(displayWidth(cutToWidth('日本語のリポジトリ', 8))).toBeLessThanOrEqual(8);
    const cut = cutToWidth(c.cyan('Codertocat/Hello-World'), 8);
    expect(stripVTControlCharacters(cut)).toBe('Coderto…');
    expect(cut.endsWith('\x1b[0m')).toBe(true);
    expect(cutToWidth(safe('evil\u001b]0;title\u0007'), 8)).toBe('evil\\x1…');
  });
});

describe('fitWidths', () => {
  const fits: ColumnFit[] = [{}, { shrink: 1, min: 4 }, { drop: 2 }, {}];
  it('leaves columns that fit alone, shrinks, then drops, in steps', () => {
    expect(fitWidths([5, 10, 5, 3], fits, 40)).toEqual([5, 10, 5, 3]);
    expect(fitWidths([5, 10, 5, 3], fits, 25)).toEqual([5, 6, 5, 3]); // 5+6+5+3 + 6 gaps
    expect(fitWidths([5, 10, 5, 3], fits, 18)).toEqual([5, 6, 0, 3]); // dropped, then width given back
  });
});

const delivery = (over: Partial<ReceivedLine> = {}): ReceivedLine => ({
  receivedAt: new Date(2026, 0, 1, 1, 27, 35),
  event: 'pull_request',
  action: 'opened',
  repository: 'Codertocat/Hello-World',
  sender: 'Codertocat',
  id: 'aa96de5',
  signature: 'valid',
  signatureAlgorithm: 'sha256',
  status: 200,
  attempt: 1,
  rejectReason: null,
  ...over,
});

const stream: ReceivedLine[] = [
  delivery(),
  delivery({ event: 'marketplace_purchase', action: 'pending_change_cancelled', id: 'b5da260', repository: 'a-very-long-organization-name/an-even-longer-repository-name' }),
  delivery({ event: 'push', action: null, id: '7b61d9b', signature: 'invalid', status: 401, rejectReason: 'sha256 signature does not match: wrong secret, or the body was altered on the way' }),
  delivery({ event: 'issues', action: 'opened', id: '3f2a9e1', repository: '日本語のリポジトリ/テスト', sender: '🚀rocket', attempt: 2 }),
  delivery({ event: 'ping', action: null, id: '0b1d7c3', repository: safe('evil\u001b[2J/repo'), sender: null, signature: 'unchecked' }),
];

describe.each(WIDTHS)('at %i columns', (width) => {
  it("listen's lines fit, stay aligned, and keep id, event, verdict and status whole", () => {
    const columns = new Columns([8, 20, 22, 12, 7, 10, 3], 40, streamColumns(width, LISTEN_EXPECTED, LISTEN_FIT));
    const lines = stream.map((d) => receivedLine(c, columns, d));
    for (const [i, line] of lines.entries()) {
      expect(displayWidth(line), line).toBeLessThanOrEqual(width);
      const text = stripVTControlCharacters(line);
      expect(text).toContain(stream[i].id);
      expect(text).toMatch(/✓ valid|✗ invalid|· unchecked/);
      expect(text).toMatch(/ (200|401)\b/);
    }
    // Whole event names from 60 columns up, but the longest catalog one (45 characters) below 120.
    const names = stream.map((d) => (d.action ? `${d.event}.${d.action}` : d.event!));
    for (const [i, name] of names.entries()) if (width >= 120 || (width >= 60 && name.length <= 30)) expect(stripVTControlCharacters(lines[i])).toContain(name);
    if (width === 80) expect(receivedLine(c, columns, delivery({ event: 'branch_protection_configuration', action: 'disabled' }))).toContain('branch_protection_configuration.disabled');
    // The id starts at the same column on every line, long event or not.
    const idAt = lines.map((line, i) => displayWidth(stripVTControlCharacters(line).slice(0, stripVTControlCharacters(line).indexOf(stream[i].id))));
    expect(new Set(idAt).size, lines.join('\n')).toBe(1);
    // The repository gives way before anything else.
    if (width <= 80) expect(lines.join('\n')).not.toContain('a-very-long-organization-name/an-even-longer-repository-name');
    if (width === 120) expect(stripVTControlCharacters(lines[2])).toContain('sha256 signature');
    // At 120 a usual repository still shows whole, as before.
    if (width === 120) expect(stripVTControlCharacters(lines[0])).toContain('Codertocat/Hello-World  @Codertocat');
  });

  it('`deliveries list` fits, keeping ID, EVENT, SIGNATURE and STATUS', () => {
    const rows: DeliverySummary[] = stream.map((d, i) => ({
      seq: i + 1,
      id: d.id,
      deliveryId: `guid-${i}`,
      event: d.event,
      action: d.action,
      repository: d.repository,
      sender: d.sender,
      signature: d.signature,
      signatureAlgorithm: d.signatureAlgorithm,
      status: d.status,
      attempt: d.attempt,
      source: i === 1 ? 'github' : 'listen',
      receivedAt: new Date(2026, 0, 1, 1, 27, 35).toISOString(),
      forward: i === 0 ? { status: 202 } : null,
    })) as unknown as DeliverySummary[];
    const text = deliveryTable(c, rows, new Date(2026, 0, 1, 1, 28, 0), width);
    expect(widest(text), text).toBeLessThanOrEqual(width);
    const [header, ...body] = stripVTControlCharacters(text).split('\n');
    expect(header).toMatch(/^ID\s+EVENT\s+.*SIGNATURE\s+STATUS/);
    for (const [i, line] of body.entries()) {
      expect(line).toContain(rows[i].id);
      expect(line).toMatch(/valid|invalid|unchecked/);
      expect(line).toMatch(/\b(200|401)\b/);
    }
    if (width >= 80) for (const [i, line] of body.entries()) expect(line).toContain(rows[i].action ? `${rows[i].event}.${rows[i].action}` : rows[i].event);
    // Without a width (not a terminal): exactly as before.
    expect(deliveryTable(plain, rows, new Date(2026, 0, 1, 1, 28, 0))).toBe(table(plain, LIST_HEADER, rows.map((d) => listRow(plain, d, new Date(2026, 0, 1, 1, 28, 0)))));
  });

  it('`send --list` fits, keeping the event name whole where it can', () => {
    const rows = [
      ['pull_request.opened' + c.dim(' *'), 'captured', '', 'A pull request was created, or a draft was marked ready for review'],
      ['marketplace_purchase.pending_change_cancelled', c.dim('synthesized'), c.cyan('App'), 'A pending change to a Marketplace plan was cancelled'],
      ['installation_target.renamed', 'captured', c.cyan('App'), 'An account the App is installed on was renamed'],
    ];
    const text = table(c, ['EVENT', 'SAMPLE', 'FOR', 'DESCRIPTION'], rows, { columns: SAMPLES_FIT, width });
    expect(widest(text), text).toBeLessThanOrEqual(width);
    if (width >= 60) expect(text).toContain('marketplace_purchase.pending_change_cancelled');
    if (width === 120) expect(text).toContain('A pending change to a Marketplace plan was cancelled');
  });
});

describe('a stream line whose event is longer than its column', () => {
  it('spills into the repository and the sender, and the columns after them stay put', () => {
    const fits = LIST_FIT;
    const widths = fitWidths([7, 12, 14, 10, 9, 6, 7, 8], fits, 100);
    const short = fitLine(['aa96de5', 'push', 'o/r', 'octocat', 'valid', '200', '-', '4s ago'], widths, fits, 100);
    const long = fitLine(['b5da260', 'repository_vulnerability_alert.reopen', 'o/r', 'octocat', 'valid', '200', '-', '4s ago'], widths, fits, 100);
    expect(long).toContain('repository_vulnerability_alert.reopen');
    expect(long.indexOf('valid')).toBe(short.indexOf('valid'));
  });
});
