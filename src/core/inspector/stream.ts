/**
 * Live events for the page: one subscription to the backend, fanned out to every open
 * `GET /api/stream` as Server-Sent Events. Each event is serialized once. A client that does
 * not read (a stalled tab, a paused debugger) is dropped once its unsent backlog passes a
 * bound, so a slow reader can never make the inspector's memory grow without limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InspectorBackend, InspectorEvent } from './backend.js';

export interface StreamOptions {
  /** Bytes queued for one client beyond which it is dropped. */
  maxBacklogBytes: number;
  /** Interval of the keep-alive comment. */
  heartbeatMs: number;
}

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private unsubscribe: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Clients dropped for a backlog over the bound (for tests and diagnostics). */
  dropped = 0;

  constructor(
    private readonly backend: InspectorBackend,
    private readonly options: StreamOptions,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // `retry` makes EventSource reconnect quickly after a restart of hookctl.
    res.write('retry: 1000\n: connected\n\n');
    this.clients.add(res);
    const forget = (): void => this.remove(res);
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
    this.start();
  }

  /** End every stream (the server is closing). */
  closeAll(): void {
    for (const res of [...this.clients]) {
      this.remove(res);
      res.end();
    }
  }

  private start(): void {
    if (!this.unsubscribe) this.unsubscribe = this.backend.subscribe((event) => this.broadcast(event));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.send(': heartbeat\n\n'), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stop();
  }

  private broadcast(event: InspectorEvent): void {
    this.send(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private send(frame: string): void {
    for (const res of [...this.clients]) {
      if (res.writableLength > this.options.maxBacklogBytes) {
        this.dropped += 1;
        this.remove(res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }
}
