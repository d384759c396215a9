/**
 * The inspector's live stream (GET /api/stream) on loopback over a fake backend: events as
 * Server-Sent Events, heartbeats, unsubscribing on close, the filters a stream is opened with
 * handed to the backend (one subscription per filter), and a bounded backlog for a client
 * that never reads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { FakeInspectorBackend } from '../helpers/fake-inspector-backend.js';

let backend: FakeInspectorBackend;
let inspector: Inspector;

beforeEach(async () => {
  backend = new FakeInspectorBackend({ count: 20 });
  inspector = await startInspector({ backend, port: 0 });
});

afterEach(async () => {
  await inspector.close();
});

/** Open /api/stream and collect its frames. */
function openStream(inspector: Inspector, query = ''): Promise<{ frames: string[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const frames: string[] = [];
    const req = httpRequest({ host: '127.0.0.1', port: inspector.port, path: `/api/stream${query}`, headers: { Host: `127.0.0.1:${inspector.port}`, Cookie: `hookctl-inspector-${inspector.port}=${inspector.accessToken}` }, agent: false }, (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const parts = buffer.split('\n\n');
        buffer = parts.pop()!;
        frames.push(...parts);
      });
      resolve({ frames, close: () => req.destroy() });
    });
    req.on('error', (error) => { if (!req.destroyed) reject(error); });
    req.end();
  });
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('GET /api/stream', () => {
  it('delivers backend events as SSE, sends heartbeats, and unsubscribes on close', async () => {
    await inspector.close();
    inspector = await startInspector({ backend, port: 0, heartbeatMs: 50 });
    const stream = await openStream(inspector);
    await until(() => backend.listenerCount === 1);
    const record = backend.addDelivery({ event: 'push', action: null });
    await until(() => stream.frames.some((frame) => frame.includes('event: delivery')));
    const frame = stream.frames.find((f) => f.startsWith('event: delivery'))!;
    expect(JSON.parse(frame.split('\ndata: ')[1])).toEqual({ type: 'delivery', delivery: record });
    await until(() => stream.frames.some((f) => f === ': heartbeat'));
    stream.close();
    await until(() => backend.listenerCount === 0 && inspector.streams().open === 0);
  });

  it('hands the filters it was opened with to the backend: one subscription per filter, shared, and only matching deliveries', async () => {
    const filtered = [await openStream(inspector, '?repository=acme%2Fweb&status=2XX'), await openStream(inspector, '?status=2xx&repository=acme/web')];
    const all = await openStream(inspector);
    await until(() => backend.listenerCount === 2);
    const web = backend.addDelivery({ event: 'push', action: null, repository: 'ACME/web' });
    const api = backend.addDelivery({ event: 'push', action: null, repository: 'acme/api' });
    const deliveries = (stream: { frames: string[] }) => stream.frames.filter((f) => f.startsWith('event: delivery')).map((f) => JSON.parse(f.split('\ndata: ')[1]).delivery.id);
    await until(() => deliveries(all).length === 2 && filtered.every((stream) => deliveries(stream).length === 1));
    expect(deliveries(all)).toEqual([web.id, api.id]);
    for (const stream of filtered) expect(deliveries(stream)).toEqual([web.id]);
    for (const stream of [...filtered, all]) stream.close();
    await until(() => backend.listenerCount === 0);
  });

  it('refuses a filter it cannot take, as the list does (400), and a cursor or a limit', async () => {
    for (const query of ['status=600', 'signature=maybe', 'cursor=s1', 'limit=5', 'colour=red']) {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: inspector.port, path: `/api/stream?${query}`, headers: { Host: `127.0.0.1:${inspector.port}`, Cookie: `hookctl-inspector-${inspector.port}=${inspector.accessToken}` }, agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status, query).toBe(400);
      expect(JSON.parse(answer.body).error, query).toBeTruthy();
    }
    expect(backend.listenerCount).toBe(0);
  });

  it('drops a client that never reads once its backlog passes the bound', async () => {
    await inspector.close();
    inspector = await startInspector({ backend, port: 0, streamBacklogBytes: 256 * 1024 });
    const socket = connect(inspector.port, '127.0.0.1');
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${inspector.port}\r\nCookie: hookctl-inspector-${inspector.port}=${inspector.accessToken}\r\n\r\n`);
    socket.pause(); // never read: the kernel buffers fill, then node's
    await until(() => inspector.streams().open === 1);
    const bulky = { ...backend.all()[0], signatureReason: 'x'.repeat(64 * 1024) };
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 2000 && inspector.streams().open > 0; i += 1) {
      backend.emit({ type: 'updated', delivery: bulky });
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(inspector.streams()).toEqual({ open: 0, dropped: 1 });
    expect(backend.listenerCount).toBe(0);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    socket.destroy();
  });
});
