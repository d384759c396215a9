/**
 * What `hookctl listen` prints: a subscriber of the relay's events. A line per delivery as
 * soon as it is answered, then a line when its forward comes back or its payload drifted;
 * with --json, one record per delivery once everything after the answer is done. Lines are
 * written once per turn of the event loop: one write for a burst, not one each.
 */
import type { RelayEvent, RelayTotals } from '../core/relay/engine.js';
import { isNotForwarded } from '../core/store/types.js';
import type { IO } from './io.js';
import { LISTEN_EXPECTED, LISTEN_FIT, streamColumns } from './fit.js';
import { count, formatBytes, formatDuration } from './format.js';
import { Columns, driftLine, forwardLine, receivedLine, refusedLine } from './lines.js';
import { toRecord } from './records.js';
import { safe } from './sanitize.js';

export interface RelayView {
  /** The subscriber to hand to Relay.subscribe. */
  onEvent(event: RelayEvent): void;
  /** With --json: print the ready record, then what waited for it (it is always the first line). */
  ready(record: { type: 'ready' } & Record<string, unknown>): void;
  /** With --json: another record with a `type` (a tunnel restart, a catch-up). */
  record(record: { type: string } & Record<string, unknown>): void;
  /** Write what is buffered now. */
  flush(): void;
}

/** GitHub's ping is always shown: it is how a new hook (or a tunnel) proves it works. */
function shown(event: { matches: boolean; delivery: { status: number; event: string | null } }): boolean {
  return event.matches || event.delivery.status !== 200 || event.delivery.event === 'ping';
}

export interface RelayViewOptions {
  json?: boolean;
  /** The command that sends what this run did not forward (`hookctl replay --not-forwarded --since …`). */
  replayCommand?: string;
}

export function relayView(io: IO, options: RelayViewOptions): RelayView {
  const c = io.color;
  const columns = new Columns([8, 20, 22, 12, 7, 10, 3], 40, streamColumns(io.width, LISTEN_EXPECTED, LISTEN_FIT));
  let lines: string[] = [];
  // --json: nothing before the ready record (a ping can arrive while the tunnel starts).
  let held = Boolean(options.json);
  const flush = () => {
    if (lines.length === 0 || held) return;
    const text = lines.join('\n');
    lines = [];
    io.out(text);
  };
  const show = (line: string) => {
    if (lines.push(line) === 1) setImmediate(flush);
  };
  /** Deliveries shown, so their follow-up lines are too. */
  const visible = new Set<string>();

  const onEvent = (event: RelayEvent) => {
    if (event.type === 'store-lost') return tellStoreLost(io, event);
    if (event.type === 'backlog') {
      // Once per burst, on stderr in every mode: each skipped forward is in its delivery's record.
      flush();
      return tellBacklog(io, event, options.replayCommand);
    }
    if (event.type === 'failure') {
      // On stderr in every mode: the delivery itself was kept and answered.
      const what = event.stage === 'subscriber' ? '' : `${event.stage} of ${event.id ?? '?'}: `;
      io.warn(`${what}${safe(event.message)}`);
      return;
    }
    if (options.json) {
      if (event.type === 'settled' && shown(event)) show(JSON.stringify(toRecord(event.delivery, event.forwards)));
      return;
    }
    switch (event.type) {
      case 'delivery':
        if (!shown(event)) return;
        visible.add(event.delivery.id);
        show(receivedLine(c, columns, { ...event.delivery, receivedAt: event.received.receivedAt }));
        return;
      case 'forward':
        // A forward not attempted is told once per burst (backlog) or in the summary (stop).
        if (visible.has(event.id) && !isNotForwarded(event.attempt)) show(forwardLine(c, event.id, event.attempt));
        return;
      case 'schema':
        if (visible.has(event.id) && event.schema.status === 'invalid') show(driftLine(c, event.id, event.schema.violations));
        return;
      case 'settled':
        visible.delete(event.delivery.id);
        return;
      case 'refused':
        show(refusedLine(c, { ...event.refused, at: event.refused.at }));
    }
  };
  return {
    onEvent,
    flush,
    ready(record) {
      if (!options.json) return;
      lines.unshift(JSON.stringify(record));
      held = false;
      flush();
    },
    record(record) {
      if (options.json) show(JSON.stringify(record));
    },
  };
}

type EventOf<T extends RelayEvent['type']> = Extract<RelayEvent, { type: T }>;

/** Loud, whatever the output mode: deliveries are not being kept where the user thinks. */
function tellStoreLost(io: IO, event: EventOf<'store-lost'>): void {
  const ec = io.errColor;
  io.err(`${ec.red('✗ STORE LOST:')} ${ec.bold(event.reason)}; deliveries answered since were refused with 503 (GitHub keeps them for redelivery).`);
  if (event.error) io.err(`${ec.red('✗')} a fresh store could not be opened: ${event.error}; every delivery is refused with 503 until it can.`);
  else io.err(`${ec.yellow('!')} Carrying on in a fresh store at ${event.file}.`);
}

/** Forwards skipped because the app is not keeping up, then forwarding again; with how to send the skipped ones. */
function tellBacklog(io: IO, event: EventOf<'backlog'>, replayCommand: string | undefined): void {
  const ec = io.errColor;
  const later = replayCommand ? `: ${ec.bold(replayCommand)}` : '';
  if (event.state === 'full') {
    io.warn(`your app is not keeping up: forwards are skipped until it does (${count(event.deliveries, 'delivery', 'deliveries')}, ${formatBytes(event.bytes)} waiting). Every delivery is still stored and answered; send the skipped ones later${later}`);
  } else {
    io.err(`${ec.green('✓')} Forwarding again; ${count(event.skipped, 'forward was', 'forwards were')} skipped meanwhile${later ? ` (send them${later})` : ''}.`);
  }
}

/** "Stopped after 3.11s: 1 accepted, 1 rejected, 1 forwarded." */
export function relaySummary(totals: RelayTotals, elapsedMs: number, forwarding: boolean): string {
  const parts = [
    `${totals.accepted} accepted${totals.redeliveries ? ` (${count(totals.redeliveries, 'redelivery', 'redeliveries')})` : ''}`,
    `${totals.rejected} rejected`,
    ...(totals.refused ? [`${totals.refused} refused${totals.browser ? ` (${totals.browser} from web browsers)` : ''}`] : []),
    ...(forwarding
      ? [`${totals.forwarded} forwarded${totals.forwardFailed ? `, ${count(totals.forwardFailed, 'forward')} failed` : ''}${totals.notForwarded ? `, ${totals.notForwarded} not forwarded` : ''}`]
      : []),
    ...(totals.drift ? [`${totals.drift} with schema drift`] : []),
  ];
  return `Stopped after ${formatDuration(elapsedMs)}: ${parts.join(', ')}.`;
}

/** After the summary: how to send what was not forwarded, when something was not. */
export function notForwardedHint(totals: RelayTotals, command: string): string | null {
  if (!totals.notForwarded) return null;
  return `${count(totals.notForwarded, 'forward was', 'forwards were')} not attempted (each is recorded on its delivery as "not forwarded"); send them with: ${command}`;
}
