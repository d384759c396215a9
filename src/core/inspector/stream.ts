/**
 * Live events for the page: `GET /api/stream?<filters>` as Server-Sent Events. Streams opened
 * with the same filters share one backend subscription (which sends only the deliveries those
 * filters match: the backend decides, the page does not) and each event is serialized once
 * for them. A client that does not read (a stalled tab, a paused debugger) is dropped once
 * its unsent backlog passes a bound, so a slow reader can never make the inspector's memory
 * grow without limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InspectorBackend, InspectorEvent, StreamQuery } from './backend.js';

export interface StreamOptions {
  /** Bytes queued for one client beyond which it is dropped. */
  maxBacklogBytes: number;
  /** Interval of the keep-alive comment. */
  heartbeatMs: number;
}

/** The clients of one filter and their backend subscription. */
interface Group {
  clients: Set<ServerResponse>;
  unsubscribe: () => void;
}

export class EventHub {
  private readonly groups = new Map<string, Group>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** Clients dropped for a backlog over the bound (for tests and diagnostics). */
  dropped = 0;

  constructor(
    private readonly backend: InspectorBackend,
    private readonly options: StreamOptions,
  ) {}

  get size(): number {
    let size = 0;
    for (const group of this.groups.values()) size += group.clients.size;
    return size;
  }

  open(req: IncomingMessage, res: ServerResponse, query: StreamQuery = {}): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // `retry` makes EventSource reconnect quickly after a restart of hookctl.
    res.write('retry: 1000\n: connected\n\n');
    const key = JSON.stringify(Object.entries(query).sort(([a], [b]) => a.localeCompare(b)));
    let group = this.groups.get(key);
    if (!group) {
      const clients = new Set<ServerResponse>();
      group = { clients, unsubscribe: () => undefined };
      this.groups.set(key, group);
      group.unsubscribe = this.backend.subscribe((event) => this.send(key, clients, frame(event)), query);
    }
    group.clients.add(res);
    const forget = (): void => this.remove(key, res);
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const [name, each] of this.groups) this.send(name, each.clients, ': heartbeat\n\n');
      }, this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** End every stream (the server is closing). */
  closeAll(): void {
    for (const [key, group] of [...this.groups]) {
      for (const res of [...group.clients]) {
        this.remove(key, res);
        res.end();
      }
    }
  }

  private remove(key: string, res: ServerResponse): void {
    const group = this.groups.get(key);
    if (!group?.clients.delete(res) || group.clients.size > 0) return;
    group.unsubscribe();
    this.groups.delete(key);
    if (this.groups.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private send(key: string, clients: Set<ServerResponse>, frame: string): void {
    for (const res of [...clients]) {
      if (res.writableLength > this.options.maxBacklogBytes) {
        this.dropped += 1;
        this.remove(key, res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }
}

function frame(event: InspectorEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
