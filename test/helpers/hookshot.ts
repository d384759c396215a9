/**
 * What GitHub's hookshot does when asked for a ping: POST it to the hook's URL, signed with the
 * hook's secret. The trycloudflare URL cannot resolve here, so its origin is mapped to the fake
 * tunnel's loopback address (the fake cloudflared writes both to FAKE_CLOUDFLARED_STATE).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { sign } from '../../src/core/webhook/signing.js';
import { ROOT } from './run-cli.js';

/** What the fake cloudflared writes about itself. */
export interface FakeTunnelState {
  start: number;
  pid: number;
  publicUrl: string;
  localUrl: string;
  envKeys: string[];
}

export async function hookshotPing(hookUrl: string, secret: string, state: Pick<FakeTunnelState, 'publicUrl' | 'localUrl'>, hookId: number): Promise<{ status: number; deliveryId: string }> {
  const url = new URL(hookUrl);
  expect(url.origin).toBe(state.publicUrl);
  const ping = JSON.parse(readFileSync(join(ROOT, 'payloads', 'ping.json'), 'utf8')) as Record<string, any>;
  ping.hook_id = hookId;
  if (ping.hook) ping.hook.id = hookId;
  const body = JSON.stringify(ping);
  const deliveryId = crypto.randomUUID();
  const res = await fetch(state.localUrl + url.pathname + url.search, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/b8c5e6d',
      'x-github-event': 'ping',
      'x-github-delivery': deliveryId,
      'x-github-hook-id': String(hookId),
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': '1296269',
      'x-hub-signature': sign(secret, body, 'sha1'),
      'x-hub-signature-256': sign(secret, body, 'sha256'),
    },
  });
  await res.arrayBuffer();
  return { status: res.status, deliveryId };
}
