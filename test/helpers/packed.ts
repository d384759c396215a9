/**
 * What the install-from-tarball tests (test/package/) share: the environment a user's shell
 * would give npm, and the packed tarball.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './run-cli.js';

export const run = promisify(execFile);
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
export const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/**
 * The user's environment as a shell in a fresh project would see it: the machine's own
 * settings (PATH, HOME, the CA bundle npm needs to reach its registry: NODE_EXTRA_CA_CERTS,
 * proxies), not this run's (vitest's workers, hookctl's test knobs, the npm script that
 * started it).
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', npm_config_update_notifier: 'false', ...extra };
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|TINYPOOL|HOOKCTL_|npm_|NODE_OPTIONS$|NODE_ENV$|FORCE_COLOR$)/i.test(key)) env[key] ??= value;
  }
  return env;
}

export interface Packed {
  filename: string;
  files: { path: string }[];
}

/** `npm pack` of this checkout as built (`--ignore-scripts`: dist/ as it is, no rebuild) into `dir`. */
export async function pack(dir: string, env: NodeJS.ProcessEnv): Promise<Packed> {
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: ROOT, env });
  return (JSON.parse(stdout) as Packed[])[0];
}
