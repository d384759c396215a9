/**
 * A tunnel session: cloudflared quick tunnel to a local port, optionally with the
 * repository webhook pointed at it. Shared by `hookctl tunnel` and `hookctl listen --tunnel`.
 * (Interface fixed here; the implementation lands with the tunnel issue.)
 */
import type { AppContext } from '../context.js';
import { HookctlError } from '../errors.js';

export interface TunnelSessionOptions {
  /** Local port the tunnel points at. */
  port: number;
  /** Local host the tunnel points at (127.0.0.1 unless listen binds elsewhere). */
  host?: string;
  /** Path appended to the public URL to form the payload URL. */
  path?: string;
  /** OWNER/REPO whose webhook should point at the tunnel. */
  register?: string;
  /** Events for the registered hook (a,b or *). */
  events?: string;
  /** Secrets given by the user (first one is used for the hook). */
  secrets?: string[];
  keepActive?: boolean;
  cloudflared?: string;
  apiUrl?: string;
  /**
   * Called before the hook is registered when the session picks the secret (the user's, or
   * one generated and remembered for the repository), so the listener verifies with it
   * before GitHub's ping arrives.
   */
  onSecret?: (secret: string) => void;
}

export interface TunnelSession {
  /** https://….trycloudflare.com */
  publicUrl: string;
  /** publicUrl + path: what GitHub posts to. */
  payloadUrl: string;
  /** Resolves with a reason if cloudflared dies while the session is open. */
  died: Promise<string>;
  /** Stop cloudflared (and deactivate the hook unless keepActive); prints what was done. */
  close(): Promise<void>;
}

export async function openTunnelSession(_ctx: AppContext, _options: TunnelSessionOptions): Promise<TunnelSession> {
  throw new HookctlError('tunnels are not implemented yet');
}
