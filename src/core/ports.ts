/**
 * Ports to suggest: one that was free a moment ago, checked by binding it (a hint that names a
 * taken port sends the user from one error to the next). Owns nothing that stays bound.
 */
import { createServer } from 'node:net';

/** How many ports after a taken default are tried before giving up (listen) or asking (hints). */
export const NEXT_PORTS = 20;

function tryBind(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port free on `host` just now: the first free one after `after`, else any the system gives. */
export async function freePortNear(host: string, after: number): Promise<number> {
  for (let candidate = after + 1; candidate <= Math.min(after + NEXT_PORTS, 65535); candidate++) {
    const bound = await tryBind(host, candidate);
    if (bound !== null) return bound;
  }
  return (await tryBind(host, 0)) ?? 0;
}
