/**
 * What a tunnel session shows: a subscriber of its events (core/tunnel/events.ts) that draws
 * them on stderr, and, given `record`, turns the restarts and catch-ups into `listen --json`
 * records (schemas/listen-record.schema.json) from the same events.
 */
import type { EdgeConnection } from '../core/tunnel/log.js';
import type { HookPointOutcome, HookRelease, TunnelEvent } from '../core/tunnel/events.js';
import { count } from './format.js';
import type { Colors, IO } from './io.js';

interface TunnelViewOptions {
  /** HOOKCTL_DEBUG: every line cloudflared prints (instead of its errors once each), and failed probes. */
  debug?: boolean;
  /** --json: where a record goes (listen's relay view, which orders it after the ready record). */
  record?: (record: TunnelRecord) => void;
}

export type TunnelRecord = { type: 'tunnel-restarted' | 'catch-up' } & Record<string, unknown>;

/** The subscriber to hand to TunnelSession.subscribe. */
export function tunnelView(io: IO, options: TunnelViewOptions = {}): (event: TunnelEvent) => void {
  const toRecord = options.record ? tunnelRecords(options.record) : undefined;
  return (event) => {
    drawTunnelEvent(io, event, options.debug ?? false);
    toRecord?.(event);
  };
}

/** "https://x.trycloudflare.com → http://127.0.0.1:5000 (Cloudflare ams07, quic)" */
function describeTunnel(c: Colors, publicUrl: string, target: string, connection: EdgeConnection): string {
  return `${publicUrl} → ${target}${connection.location ? c.dim(` (Cloudflare ${connection.location}, ${connection.protocol || 'quic'})`) : ''}`;
}

const VERBS: Record<HookPointOutcome, string> = { created: 'Created', updated: 'Re-pointed', reused: 'Reused', pointed: 'Pointed' };

function pointedLine(event: Extract<TunnelEvent, { type: 'hook-pointed' }>): string {
  const line = `${VERBS[event.outcome]} ${event.hook} → ${event.url}`;
  return event.events ? `${line} (events: ${event.events.join(',') || '*'}, active)` : line;
}

function releasedLine(hook: string, release: HookRelease): string {
  switch (release.kind) {
    case 'kept-active':
      return `Left ${hook} active (--keep-active): GitHub keeps logging what it sends, and the next run catches it up (for 3 days)`;
    case 'deactivated':
      return `Deactivated ${hook}: while it is inactive GitHub sends (and logs) nothing, so nothing can be caught up later; --keep-active keeps it on`;
    case 'restored':
      return `Put back ${hook}: ${release.url ?? '(no URL)'} (${release.contentType ?? 'form'})`;
  }
}

function borrowedLines(event: Extract<TunnelEvent, { type: 'hook-borrowed' }>): string[] {
  const lines: string[] = [];
  if (event.leftover) {
    lines.push(
      `${event.hook} still points at a tunnel of a run that ended without putting it back (pid ${event.leftover.pid}, ${event.leftover.at}); its earlier URL (${event.leftover.url ?? 'none'}) is remembered and is put back when this run stops (or now: hookctl register --app --restore)`,
    );
  }
  lines.push(
    `borrowing ${event.hook}: it has one webhook, so every installation's deliveries come here until this run stops and puts its URL back. Use a development App. ` +
      (event.generatedSecret
        ? "Its secret becomes one hookctl generated (GitHub never shows the old one, so it cannot be put back): pass the App's own secret with --secret to keep it."
        : 'Its secret is set to yours (--secret or the environment).'),
  );
  return lines;
}

function drawCatchUp(io: IO, event: Extract<TunnelEvent, { type: 'catch-up' }>): void {
  const c = io.errColor;
  if (event.redelivered.length > 0) io.err(`${c.green('↻')} caught up ${count(event.redelivered.length, 'delivery', 'deliveries')} sent while hookctl was not listening (GitHub redelivers them now)`);
  if (event.more > 0) io.warn(`${count(event.more, 'more delivery', 'more deliveries')} missing: the next catch-up asks for them`);
  for (const f of event.failed) io.warn(`GitHub would not redeliver ${f.deliveryId}: ${f.error}`);
  if (event.lost.length > 0) {
    const some = event.lost.slice(0, 5).map((d) => d.deliveryId).join(', ');
    io.warn(`${count(event.lost.length, 'delivery', 'deliveries')} older than GitHub's 3-day redelivery window cannot be caught up: ${some}${event.lost.length > 5 ? ', …' : ''}`);
    io.err(c.dim(`  Their payloads can still be fetched: ${event.pullCommand}`));
  }
}

/** One event on stderr (some are shown only with `debug`, `died` never: the command ends with its error). */
function drawTunnelEvent(io: IO, event: TunnelEvent, debug: boolean): void {
  const c = io.errColor;
  const ok = (mark: string, line: string) => io.err(`${c.green(mark)} ${line}`);
  switch (event.type) {
    case 'config-found':
      return io.warn(`cloudflared config found (${event.configs.join(', ')}); it can stop quick tunnels (requests answered by its ingress rules). If the tunnel fails or answers 404, move it aside.`);
    case 'starting':
      return io.err(c.dim(`Starting a cloudflared quick tunnel to ${event.target} (cloudflared from ${event.bin.source}: ${event.bin.path}) …`));
    case 'log':
      return debug ? io.err(c.dim(`cloudflared: ${event.line}`)) : undefined;
    case 'cloudflared-error':
      return debug ? undefined : io.warn(`cloudflared: ${event.message}`);
    case 'ready':
      return ok('✓', `Tunnel ready: ${describeTunnel(c, event.publicUrl, event.target, event.connection)}`);
    case 'hook-pointed':
      return ok('✓', pointedLine(event));
    case 'hook-secret':
      return io.err(c.dim(event.generated ? `  secret: generated by hookctl, kept in ${event.stateFile} for ${event.repository}` : '  secret: yours (from --secret or the environment)'));
    case 'hook-borrowed':
      return borrowedLines(event).forEach((line) => io.warn(line));
    case 'hook-pinged':
      return ok('✓', `Asked GitHub to ping ${event.hook}; it arrives through the tunnel`);
    case 'ping-failed':
      return io.warn(`could not ask GitHub for a ping: ${event.message}`);
    case 'probe-failed':
      return debug ? io.err(c.dim(`probe of ${event.publicUrl} failed (${event.inARow} in a row)`)) : undefined;
    case 'retry':
      return io.warn(`the tunnel is down (${event.reason}); starting a new one in ${Math.round(event.delayMs / 100) / 10} s (attempt ${event.attempt} of ${event.of})`);
    case 'restarted':
      return ok('↻', `Tunnel restarted: ${describeTunnel(c, event.publicUrl, event.target, event.connection)}`);
    case 'hook-repointed':
      return event.error === null ? ok('↻', `Re-pointed ${event.hook} → ${event.url}`) : io.warn(`could not re-point ${event.hook} at ${event.url}: ${event.error}`);
    case 'catch-up':
      return drawCatchUp(io, event);
    case 'catch-up-failed':
      return io.warn(`catch-up from the delivery log of ${event.hook} failed: ${event.message}`);
    case 'hook-released':
      return ok('✓', releasedLine(event.hook, event.release));
    case 'hook-release-failed':
      return io.warn(`could not release ${event.hook}: ${event.message}`);
    case 'stopped':
      if (event.alreadyExited) return;
      return io.err(event.forced ? `cloudflared ignored SIGTERM; killed it (pid ${event.pid})` : `Stopped the tunnel (cloudflared pid ${event.pid})`);
    case 'failure':
      return io.warn(event.message);
    case 'died':
      return;
  }
}

/**
 * The `listen --json` records of a session: `tunnel-restarted` once the hook was re-pointed
 * (or at once without a hook), `catch-up` with each result.
 */
function tunnelRecords(record: (record: TunnelRecord) => void): (event: TunnelEvent) => void {
  let restart: Extract<TunnelEvent, { type: 'restarted' }> | undefined;
  const restarted = (event: Extract<TunnelEvent, { type: 'restarted' }>, hook: { name: string; repointed: boolean } | null) =>
    record({ type: 'tunnel-restarted', publicUrl: event.publicUrl, payloadUrl: event.payloadUrl, reason: event.reason, hook });
  return (event) => {
    if (event.type === 'restarted') {
      if (event.hook === null) restarted(event, null);
      else restart = event;
    } else if (event.type === 'hook-repointed' && restart) {
      restarted(restart, { name: event.hook, repointed: event.error === null });
      restart = undefined;
    } else if (event.type === 'catch-up') {
      record({
        type: 'catch-up',
        redelivered: event.redelivered,
        lost: event.lost,
        failed: event.failed.map((f) => f.deliveryId),
        more: event.more,
      });
    }
  };
}
