/**
 * A GitHub App's side of the API: the JSON Web Token it authenticates with (RS256, signed with
 * the App's private key by node:crypto; made per run, renewed before it expires; never
 * printed or stored), and its one webhook's configuration (`/app/hook/config`).
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { UsageError } from '../../errors.js';
import type { GithubClient } from './client.js';

/** GitHub refuses an `exp` more than 10 minutes after `iat`; `iat` is backdated for clock drift. */
const BACKDATE_S = 60;
const LIFETIME_S = 9 * 60;

export interface AppCredentials {
  appId: number;
  key: KeyObject;
  /** Where each came from, for messages ("--app-id", "GITHUB_APP_PRIVATE_KEY_PATH (./key.pem)"). */
  appIdSource: string;
  keySource: string;
}

/** A PEM whose key is encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional PEM with `Proc-Type: 4,ENCRYPTED`). */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:\s*4,\s*ENCRYPTED/m;

/** Read a PEM private key; a usage error names where it came from when it is not one. */
export function parsePrivateKey(pem: string, source: string): KeyObject {
  // OpenSSL would ask for a passphrase (and, without one, say "interrupted or cancelled").
  if (ENCRYPTED_PEM.test(pem)) {
    throw new UsageError(`the private key from ${source} is encrypted (it needs a passphrase); GitHub's App keys are not, and hookctl never asks for one`, [
      "Use the .pem file GitHub gave you (the App's settings page: Private keys → Generate a private key), or decrypt this one: openssl pkey -in KEY.pem -out decrypted.pem",
    ]);
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw new UsageError(`the private key from ${source} is not an RSA private key in PEM form (${(err as Error).message.replace(/^error:\S+:/, '').trim()})`, [
      "Download one from the App's settings page (Private keys → Generate a private key): a .pem file starting with -----BEGIN RSA PRIVATE KEY-----.",
    ]);
  }
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A JWT for the App: `iat` 60 s in the past, `exp` 9 minutes later, `iss` the App ID. */
export function appJwt(credentials: Pick<AppCredentials, 'appId' | 'key'>, now: Date = new Date()): { token: string; expiresAt: Date } {
  const iat = Math.floor(now.getTime() / 1000) - BACKDATE_S;
  const exp = iat + BACKDATE_S + LIFETIME_S;
  const signingInput = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify({ iat, exp, iss: credentials.appId }))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(credentials.key);
  return { token: `${signingInput}.${base64url(signature)}`, expiresAt: new Date(exp * 1000) };
}

/** GET /app: who the credentials are (a first check that they are right). */
export interface AppInfo {
  id: number;
  slug?: string;
  name: string;
  html_url?: string;
}

export async function getApp(client: GithubClient): Promise<AppInfo> {
  return (await client.request<AppInfo>('GET', '/app', { about: 'the GitHub App' })).data;
}

/** The App's webhook configuration as GitHub shows it (the secret only as "********"). */
export interface AppHookConfig {
  url?: string;
  content_type?: string;
  insecure_ssl?: string | number;
  secret?: string;
}

export async function getAppHookConfig(client: GithubClient): Promise<AppHookConfig> {
  return (await client.request<AppHookConfig>('GET', '/app/hook/config', { about: "the GitHub App's webhook configuration" })).data;
}

/** Change only the fields given (the endpoint updates field by field: an omitted secret stays). */
export async function updateAppHookConfig(client: GithubClient, change: { url?: string; content_type?: string; insecure_ssl?: string; secret?: string }): Promise<AppHookConfig> {
  return (await client.request<AppHookConfig>('PATCH', '/app/hook/config', { body: change, about: "the GitHub App's webhook configuration" })).data;
}
