/**
 * Is the tunnel still a way in? A GET of the public URL, through Cloudflare, to the origin.
 * With a token (listen), the answer must be hookctl's own `GET /` echoing it back: proof that
 * the request crossed the tunnel and reached this receiver (GETs are never stored). Without one
 * (a user's own server), any answer but Cloudflare's "tunnel is down" (530) will do.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const PROBE_HEADER = 'X-Hookctl-Probe';

export interface ProbeOptions {
  token?: string;
  timeoutMs?: number;
  /** Where to send a request for `url` instead (tests: the fake cloudflared's own address). */
  map?: (url: string) => string;
}

export function probeTunnel(url: string, options: ProbeOptions = {}): Promise<boolean> {
  const target = new URL(options.map ? options.map(url) : url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(target, { method: 'GET', headers: options.token ? { [PROBE_HEADER]: options.token } : {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if ((size += c.length) <= 64 * 1024) chunks.push(c);
      });
      res.on('end', () => {
        if (!options.token) return resolve(res.statusCode !== 530);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { probe?: unknown };
          resolve(res.statusCode === 200 && body.probe === options.token);
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
