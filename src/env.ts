/**
 * The environment a child process gets (cloudflared, $PAGER, $EDITOR, the browser opener):
 * hookctl's, minus every credential (GitHub tokens, webhook secrets, App keys, and anything
 * named like a token, secret, password or private key). A leaf module, like errors.ts: core and
 * ui both use it.
 */
export function childEnv(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...extra };
  for (const [name, value] of Object.entries(env)) {
    if (/TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIAL/i.test(name)) continue;
    out[name] = value;
  }
  return out;
}
