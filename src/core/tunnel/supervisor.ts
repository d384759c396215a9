/**
 * Keeping a quick tunnel alive: when cloudflared exits, or its public URL stops answering
 * (two failed probes: a laptop that slept, a network that changed), start a new one with
 * backoff (1, 2, 4 … 30 s) and say so through callbacks. Gives up after MAX_FAILURES starts
 * in a row that failed or died young. Knows nothing of GitHub or the terminal.
 */
import type { QuickTunnel } from './process.js';

export interface SupervisorOptions {
  /** Start cloudflared (resolves once the tunnel is ready). */
  start: () => Promise<QuickTunnel>;
  /** Does the public URL still reach the origin? Probed every probeIntervalMs and after the clock jumped. */
  probe?: (tunnel: QuickTunnel) => Promise<boolean>;
  probeIntervalMs?: number;
  /** First backoff (doubles up to maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A tunnel that lived this long resets the count of failures. */
  stableMs?: number;
  maxFailures?: number;
  /** A new tunnel took over (after `reason`). */
  onRestarted?: (tunnel: QuickTunnel, reason: string) => void | Promise<void>;
  /** Waiting before the next start. */
  onRetry?: (reason: string, failures: number, delayMs: number) => void;
  /** A probe failed (`inARow`: the second in a row replaces the tunnel). */
  onProbeFailed?: (tunnel: QuickTunnel, inARow: number) => void;
}

export const MAX_FAILURES = 5;

export class TunnelSupervisor {
  private current: QuickTunnel;
  private lastStart: number;
  /** Tunnels that died, and why (one may die while the restart that started it still runs). */
  private readonly dead = new Map<QuickTunnel, string>();
  private failures = 0;
  private stopped = false;
  private restarting = false;
  private probeFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = Date.now();
  private giveUp!: (reason: string) => void;
  /** Why the last start failed, while no start succeeded since (its error says what cloudflared printed). */
  private failedStart: unknown = null;
  /** Resolves with the reason once it gave up (never when stopped). */
  readonly gaveUp = new Promise<string>((resolve) => (this.giveUp = resolve));

  constructor(
    first: QuickTunnel,
    private readonly options: SupervisorOptions,
  ) {
    this.current = first;
    this.lastStart = Date.now();
    this.watch(first);
    if (options.probe) this.startProbing();
  }

  get tunnel(): QuickTunnel {
    return this.current;
  }

  /** The error of the last start, when it failed (and none succeeded since); null otherwise. */
  get lastStartError(): unknown {
    return this.failedStart;
  }

  /** Stop watching and stop cloudflared. */
  async stop(): Promise<ReturnType<QuickTunnel['stop']>> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    return this.current.stop();
  }

  private watch(tunnel: QuickTunnel): void {
    void tunnel.died.then((reason) => {
      this.dead.set(tunnel, reason);
      if (!this.stopped && tunnel === this.current) void this.restart(reason);
    });
  }

  private startProbing(): void {
    const interval = this.options.probeIntervalMs ?? 30_000;
    // Ticks every second: a tick that comes much later than a second means the clock jumped
    // (the machine slept): probe at once rather than at the next interval.
    let sinceProbe = 0;
    this.timer = setInterval(() => {
      const now = Date.now();
      const jumped = now - this.lastTick > Math.max(5_000, 3 * Math.min(interval, 1000));
      this.lastTick = now;
      sinceProbe += 1000;
      if (jumped || sinceProbe >= interval) {
        sinceProbe = 0;
        void this.probeOnce();
      }
    }, Math.min(interval, 1000));
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    if (this.stopped || this.restarting) return;
    const tunnel = this.current;
    const ok = await this.options.probe!(tunnel).catch(() => false);
    if (this.stopped || tunnel !== this.current) return;
    if (ok) {
      this.probeFailures = 0;
      return;
    }
    this.probeFailures++;
    this.options.onProbeFailed?.(tunnel, this.probeFailures);
    if (this.probeFailures >= 2) {
      this.probeFailures = 0;
      await tunnel.stop();
      if (!this.stopped) void this.restart(`the public URL ${tunnel.publicUrl} stopped answering`);
    }
  }

  private async restart(reason: string): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    // A tunnel that lived long enough was not a failure: count from zero again.
    if (Date.now() - this.lastStart >= (this.options.stableMs ?? 60_000)) this.failures = 0;
    let why = reason;
    try {
      for (;;) {
        this.failures++;
        if (this.failures > (this.options.maxFailures ?? MAX_FAILURES)) {
          this.giveUp(`${why} (gave up after ${this.options.maxFailures ?? MAX_FAILURES} restarts in a row)`);
          return;
        }
        const delay = Math.min((this.options.backoffMs ?? 1000) * 2 ** (this.failures - 1), this.options.maxBackoffMs ?? 30_000);
        this.options.onRetry?.(why, this.failures, delay);
        // Not unref'd: between two cloudflareds this wait may be all that keeps the process alive.
        await new Promise((r) => setTimeout(r, delay));
        if (this.stopped) return;
        try {
          const tunnel = await this.options.start();
          if (this.stopped) {
            await tunnel.stop();
            return;
          }
          this.dead.delete(this.current);
          this.failedStart = null;
          this.current = tunnel;
          this.lastStart = Date.now();
          this.probeFailures = 0;
          this.watch(tunnel);
          await this.options.onRestarted?.(tunnel, why);
          // It may have died already, while this restart was still telling about it.
          const died = this.dead.get(tunnel);
          if (died === undefined || this.stopped) return;
          why = died;
        } catch (err) {
          this.failedStart = err;
          why = (err as Error).message;
        }
      }
    } finally {
      this.restarting = false;
    }
  }
}
