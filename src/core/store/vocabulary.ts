/**
 * How a stored fact is worded, once, for every surface: the terminal (listen's line,
 * `deliveries list` and `show`), `--json` (the value itself) and the inspector's page, which
 * reads this table from `/api/info` instead of keeping its own copy.
 */
import { NOT_FORWARDED, type SignatureVerdict } from './types.js';

/** How a word is coloured: green, red, yellow, dim (terminal); ok, err, warn, none (page). */
type Tone = 'ok' | 'err' | 'warn' | 'quiet';

export interface Wording {
  /** The word shown (the value itself is what --json and --signature carry). */
  label: string;
  /** One character before the label where space is short (listen's line, the page's badge). */
  glyph: string;
  tone: Tone;
  /** A sentence for whoever asks what it means (the page's detail). */
  words: string;
}

/** The signature verdict: valid, invalid, missing (shown "unsigned") or unchecked. */
export const SIGNATURE_WORDING: Readonly<Record<SignatureVerdict, Wording>> = {
  valid: { label: 'valid', glyph: '✓', tone: 'ok', words: 'The signature matches the listener’s secret.' },
  invalid: { label: 'invalid', glyph: '✗', tone: 'err', words: 'The signature does not match the listener’s secret.' },
  missing: { label: 'unsigned', glyph: '✗', tone: 'err', words: 'The request carried no signature header.' },
  unchecked: { label: 'unchecked', glyph: '·', tone: 'quiet', words: 'No secret was configured, so the signature was not checked.' },
};

/** A forward that has no status: never attempted (store/types NOT_FORWARDED) or failed. */
type ForwardState = 'notForwarded' | 'failed';

export const FORWARD_WORDING: Readonly<Record<ForwardState, Wording>> = {
  notForwarded: { label: NOT_FORWARDED, glyph: '!', tone: 'warn', words: 'The forward was not attempted: the app was not keeping up, or listen stopped first.' },
  failed: { label: 'failed', glyph: '✗', tone: 'err', words: 'The forward got no answer.' },
};

/** What `/api/info` serves the page under `vocabulary`. */
export const VOCABULARY = { signature: SIGNATURE_WORDING, forward: FORWARD_WORDING, notForwardedPrefix: `${NOT_FORWARDED}:` } as const;
