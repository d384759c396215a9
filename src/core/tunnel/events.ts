/**
 * What a tunnel session tells its subscribers (ui/tunnel-view.ts draws them for the terminal
 * and turns some into `listen --json` records). Each subscriber is called in its own try
 * (core/subscribers.ts): a failing one is reported once to the others as a `failure` event.
 */
import type { CloudflaredBinary } from './find.js';
import type { EdgeConnection } from './log.js';

/** What a hook binding did when it pointed the webhook at a URL. */
export type HookPointOutcome = 'created' | 'updated' | 'reused' | 'pointed';

/** How a webhook was let go when the session stopped. */
export type HookRelease =
  /** --keep-active: the repository's hook stays on (GitHub keeps logging for catch-up). */
  | { kind: 'kept-active' }
  /** The repository's hook was deactivated. */
  | { kind: 'deactivated' }
  /** An App's webhook was put back as it was before it was borrowed. */
  | { kind: 'restored'; url: string | null; contentType: string | null };

/** Events the hook binding reports while it is set up (through the session). */
export type HookEvent =
  /** The webhook points at `url` now. `events`: the events it is subscribed to (null: an App's). */
  | { type: 'hook-pointed'; hook: string; outcome: HookPointOutcome; url: string; events: string[] | null }
  /** Where the repository hook's secret comes from (the user's, or one hookctl generated and keeps). */
  | { type: 'hook-secret'; repository: string; generated: boolean; stateFile: string }
  /**
   * An App's one webhook is borrowed. `leftover`: an earlier run ended without putting it back
   * (its settings from before are the ones kept). `generatedSecret`: hookctl's own secret replaces the App's.
   */
  | { type: 'hook-borrowed'; hook: string; leftover: { pid: number; at: string; url: string | null } | null; generatedSecret: boolean };

export type TunnelEvent =
  | HookEvent
  /** Default cloudflared config files that can stop quick tunnels. */
  | { type: 'config-found'; configs: string[] }
  /** cloudflared is starting (the first time). */
  | { type: 'starting'; target: string; bin: CloudflaredBinary }
  /** Every line cloudflared prints (for a debug view). */
  | { type: 'log'; line: string }
  /** An error cloudflared logged once its tunnel was up (a failed request: told once, not once per line). */
  | { type: 'cloudflared-error'; message: string }
  /** The first tunnel is up: its public URL reaches `target`. `pid`: cloudflared's. */
  | { type: 'ready'; publicUrl: string; payloadUrl: string; target: string; connection: EdgeConnection; pid: number }
  /** GitHub was asked to ping the hook (the ping comes through the tunnel). */
  | { type: 'hook-pinged'; hook: string }
  | { type: 'ping-failed'; hook: string; message: string }
  /** A probe of the public URL failed (`inARow`: two in a row replace the tunnel). */
  | { type: 'probe-failed'; publicUrl: string; inARow: number }
  /** The tunnel is down; a new one starts after `delayMs` (attempt `attempt` of `of`). */
  | { type: 'retry'; reason: string; attempt: number; of: number; delayMs: number }
  /**
   * A new tunnel took over after `reason`. `hook`: the webhook that is re-pointed at it next
   * (a hook-repointed event follows), or null.
   */
  | { type: 'restarted'; publicUrl: string; payloadUrl: string; target: string; connection: EdgeConnection; pid: number; reason: string; hook: string | null }
  /** The webhook was re-pointed at the new tunnel (`error`: it could not be). */
  | { type: 'hook-repointed'; hook: string; url: string; error: string | null }
  /** Catch-up from the hook's delivery log: what GitHub was asked to redeliver, what is too old, what failed. */
  | {
      type: 'catch-up';
      hook: string;
      redelivered: string[];
      lost: { deliveryId: string; deliveredAt: string }[];
      failed: { deliveryId: string; error: string }[];
      more: number;
      /** How to fetch what can no longer be redelivered. */
      pullCommand: string;
    }
  | { type: 'catch-up-failed'; hook: string; message: string }
  /** The webhook was let go (the first thing a stop does). */
  | { type: 'hook-released'; hook: string; release: HookRelease }
  | { type: 'hook-release-failed'; hook: string; message: string }
  /** cloudflared was stopped (`forced`: it ignored SIGTERM; `alreadyExited`: nothing to stop). */
  | { type: 'stopped'; pid: number; forced: boolean; alreadyExited: boolean }
  /** The tunnel cannot be brought back (5 restarts in a row failed); `reason` ends with cloudflared's last lines. */
  | { type: 'died'; reason: string }
  /** A subscriber threw: told once per subscriber, to the others. */
  | { type: 'failure'; message: string };

export type TunnelListener = (event: TunnelEvent) => void;
