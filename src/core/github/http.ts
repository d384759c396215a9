/**
 * The transport under the GitHub client: one HTTPS request, over node:http(s) with one
 * keep-alive agent per scheme for the whole run (pagination reuses the connection). Not
 * undici: the REST calls are few, and undici alone costs more to load than node takes to start.
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

const agents: { http?: import('node:http').Agent; https?: import('node:https').Agent } = {};

export async function httpSend(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<RawResponse> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const mod = secure ? await import('node:https') : await import('node:http');
  const agent = secure ? (agents.https ??= new (mod as typeof import('node:https')).Agent({ keepAlive: true })) : (agents.http ??= new mod.Agent({ keepAlive: true }));
  const body = init.body !== undefined ? Buffer.from(init.body, 'utf8') : undefined;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = mod.request(u, {
      method: init.method,
      headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent,
    });
    req.setTimeout(init.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}
