/**
 * core/store/vocabulary.ts: one wording of the signature verdict and the forward state for
 * listen's line, `deliveries list` and `show`, and the inspector's page (which reads the table
 * from /api/info: here handed the same JSON the route serves).
 */
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_VERDICTS } from '../../src/core/store/filter.js';
import type { AttemptRecord, DeliverySummary, SignatureVerdict, StoredDelivery } from '../../src/core/store/types.js';
import { FORWARD_WORDING, SIGNATURE_WORDING, VOCABULARY } from '../../src/core/store/vocabulary.js';
import { deliveryDetail, listRow } from '../../src/ui/delivery-view.js';
import { IO } from '../../src/ui/io.js';
import { Columns, receivedLine } from '../../src/ui/lines.js';
// @ts-expect-error plain browser ES module without types
import { forwardState, useVocabulary, verdict, verdicts } from '../../src/core/inspector/assets/js/format.js';

const c = new IO({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }, { NO_COLOR: '1' }).color;
const now = new Date(2026, 0, 1, 1, 28, 0);

const summary = (signature: SignatureVerdict, over: Partial<DeliverySummary> = {}): DeliverySummary =>
  ({
    seq: 1, id: 'aa96de5', deliveryId: 'guid', event: 'push', action: null, repository: 'o/r', sender: 's', signature,
    signatureAlgorithm: signature === 'missing' || signature === 'unchecked' ? null : 'sha256', signatureReason: null,
    status: signature === 'valid' || signature === 'unchecked' ? 200 : 401, attempt: 1, source: 'listen',
    receivedAt: new Date(2026, 0, 1, 1, 27, 35).toISOString(), forward: null, ...over,
  }) as unknown as DeliverySummary;

const line = (d: DeliverySummary) =>
  stripVTControlCharacters(receivedLine(c, new Columns([8, 20, 22, 12, 7, 10, 3]), { ...d, receivedAt: new Date(d.receivedAt), rejectReason: null }));
/** `deliveries list`'s SIGNATURE and FORWARD cells. */
const cells = (d: DeliverySummary) => listRow(c, d, now).map((cell) => stripVTControlCharacters(cell));
const page = JSON.parse(JSON.stringify(VOCABULARY)) as typeof VOCABULARY;
useVocabulary(page);

describe('the signature verdict', () => {
  it('has one wording for every value --signature and --json know', () => {
    expect(Object.keys(SIGNATURE_WORDING).sort()).toEqual([...SIGNATURE_VERDICTS].sort());
    expect((verdicts() as [string, unknown][]).map(([value]) => value)).toEqual(Object.keys(SIGNATURE_WORDING));
  });

  it.each(SIGNATURE_VERDICTS)('%s reads the same in listen, deliveries list and show, and the page', (value) => {
    const { label, glyph, words } = SIGNATURE_WORDING[value];
    const d = summary(value);
    expect(line(d)).toMatch(new RegExp(` ${glyph} ${label} +${d.status}\\b`));
    expect(cells(d)[4]).toBe(label);
    expect(stripVTControlCharacters(deliveryDetail(c, { ...d, rawHeaders: [], body: Buffer.from('{}'), bytes: 2 } as unknown as StoredDelivery, [], now, { payload: false }))).toMatch(
      new RegExp(`^Signature  ${label}$`, 'm'),
    );
    expect(verdict(value)).toMatchObject({ label, glyph, words });
  });

  it('says what the words are: missing reads "unsigned", the others as their value', () => {
    expect(Object.fromEntries(SIGNATURE_VERDICTS.map((v) => [v, SIGNATURE_WORDING[v].label]))).toEqual({ valid: 'valid', invalid: 'invalid', missing: 'unsigned', unchecked: 'unchecked' });
  });

  it('a valid sha1 signature says so in listen and the list', () => {
    const d = summary('valid', { signatureAlgorithm: 'sha1' });
    expect(line(d)).toMatch(/ ✓ valid +200 +\(sha1\)/);
    expect(cells(d)[4]).toBe('valid (sha1)');
  });

  it('the page reads an unknown value as itself', () => {
    expect(verdict('weird')).toMatchObject({ label: 'weird', kind: '' });
  });
});

describe('the forward state', () => {
  const attempt = (over: Partial<AttemptRecord>): AttemptRecord => ({ n: 1, kind: 'forward', url: 'http://127.0.0.1:3000/', status: null, durationMs: 0, error: null, ...over }) as AttemptRecord;
  it.each([
    ['notForwarded', attempt({ error: 'not forwarded: the app was not keeping up' })],
    ['failed', attempt({ error: 'connect ECONNREFUSED 127.0.0.1:3000' })],
  ] as const)('%s reads the same in deliveries list and the page', (state, forward) => {
    const { label } = FORWARD_WORDING[state];
    expect(cells(summary('valid', { forward }))[6]).toBe(label);
    expect(forwardState(forward).label).toBe(label);
  });

  it('a forward that has a status shows it', () => {
    expect(cells(summary('valid', { forward: attempt({ status: 202 }) }))[6]).toBe('202');
  });
});
