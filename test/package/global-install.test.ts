/**
 * Done when hookctl installs and runs without a clone, the two ways the README gives:
 *
 *   npm pack --ignore-scripts --pack-destination $TMP             # dist/ as built
 *   cd $TMP && npm install -g --prefix $TMP/prefix ./hookctl-0.1.0.tgz
 *   npx --yes -p ./hookctl-0.1.0.tgz hookctl …
 *
 * and each copy, run as a user runs it (the global bin's shebang, npx), sends a signed sample
 * to a loopback receiver, listens (port 0, HOOKCTL_HOME in $TMP) and stores a `send` in SQLite,
 * and serves the inspector page. Install scripts run (no --ignore-scripts): better-sqlite3's
 * must give the listener a working native module.
 *
 * That install script is `prebuild-install || node-gyp rebuild`: a user online gets the
 * prebuilt binary for their Node from the package's GitHub release. This machine is offline,
 * so node-gyp compiles SQLite: about 95 s of CPU, 4–5 min of wall on the shared machine, per
 * install (twice). Instead the test hands prebuild-install, through its own per-package knob
 * `npm_config_better_sqlite3_local_prebuilds` (a folder it looks in before downloading), a
 * prebuild packed from this checkout's node_modules: the binary `npm ci` fetched or built for
 * the same better-sqlite3 version and the same Node (the name carries both, so a mismatch
 * finds nothing and the install compiles from source, slow but still correct). Only the
 * download is replaced; the install script runs and the listener loads what it unpacked. npm
 * warns "Unknown env config" about that variable; prebuild-install reads the environment.
 * cloudflared's postinstall tries to download cloudflared and gives up offline without
 * failing the install: nothing here needs it (no --tunnel).
 *
 * npx installs into npm's cache (~/.npm/_npx/<hash>); the folder it made is removed after.
 * The whole file takes about a minute with npm's cache warm (20 s of CPU; 4–5 min of wall more
 * for each install that has to compile SQLite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { npm, npx, pack, run, userEnv, type Packed } from '../helpers/packed.js';
import { ROOT } from '../helpers/run-cli.js';

const SECRET = 'install-secret';
let dir: string;
let packed: Packed;
let env: NodeJS.ProcessEnv;
let npxDir: string | undefined;

/** A prebuild as prebuild-install names and unpacks it, from the binary this checkout runs. */
async function localPrebuild(into: string): Promise<void> {
  const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const staging = join(into, 'staging');
  mkdirSync(join(staging, 'build/Release'), { recursive: true });
  await run('cp', [join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), join(staging, 'build/Release/')]);
  await run('tar', ['-czf', join(into, name), '-C', staging, 'build']);
  rmSync(staging, { recursive: true });
}

function failed(what: string) {
  return (err: { stdout?: string; stderr?: string; message?: string }) => {
    throw new Error(`${what} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message ?? ''}`);
  };
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hookctl-global-')));
  const prebuilds = join(dir, 'prebuilds');
  mkdirSync(prebuilds);
  env = userEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds });
  packed = await pack(dir, env);
  await localPrebuild(prebuilds);
  await run(npm, ['install', '-g', '--prefix', join(dir, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', `./${packed.filename}`], { cwd: dir, env }).catch(failed('npm install -g'));
  // The first npx run installs (and answers); later ones find the install in npm's cache.
  await run(npx, ['--yes', '-p', `./${packed.filename}`, 'hookctl', '--version'], { cwd: dir, env }).catch(failed('npx -p'));
  const npxCache = join(homedir(), '.npm', '_npx');
  npxDir = readdirSync(npxCache)
    .map((hash) => join(npxCache, hash))
    .find((d) => existsSync(join(d, 'package.json')) && readFileSync(join(d, 'package.json'), 'utf8').includes(basename(dir)));
}, 600_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (npxDir) rmSync(npxDir, { recursive: true, force: true });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let servers: Server[] = [];
let children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  children = [];
});

/** A loopback receiver that answers 204 and keeps what came. */
async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

/** A long-running command in its own process group (npx runs hookctl as its child), killed in afterEach. */
function start(command: string, args: string[], childEnv: NodeJS.ProcessEnv): { output: () => string; waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>; stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(command, args, { cwd: dir, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    waiters.forEach((w) => w());
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      waiters.forEach((w) => w());
      resolve({ code, signal });
    }),
  );
  return {
    output: () => out,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (!m && child.exitCode === null && child.signalCode === null) return;
          waiters.delete(check);
          if (m) resolve(m);
          else reject(new Error(`exited before ${pattern}:\n${out}`));
        };
        waiters.add(check);
        check();
      }),
    stop: () => {
      process.kill(-child.pid!, 'SIGINT');
      return closed;
    },
  };
}

const installs: { name: string; home: string; hookctl: () => [string, string[]] }[] = [
  { name: 'npm install -g --prefix', home: 'home-global', hookctl: () => [join(dir, 'prefix', 'bin', 'hookctl'), []] },
  { name: 'npx -p ./hookctl-*.tgz', home: 'home-npx', hookctl: () => [npx, ['--yes', '-p', `./${packed.filename}`, 'hookctl']] },
];

describe.each(installs)('installed with $name', ({ home, hookctl }) => {
  /** Its own HOOKCTL_HOME (the store, hooks.json) in $TMP. */
  const cliEnv = () => ({ ...env, HOOKCTL_HOME: join(dir, home) });
  const cli = (args: string[]) => {
    const [command, prefix] = hookctl();
    return run(command, [...prefix, ...args], { cwd: dir, env: cliEnv() });
  };

  it('runs from the install, not from this checkout', async () => {
    const [command] = hookctl();
    if (command !== npx) expect(realpathSync(command)).toBe(join(dir, 'prefix', 'lib', 'node_modules', 'hookctl', 'bin', 'hookctl.js'));
    else expect(npxDir, 'npx installed into its cache').toBeDefined();
    expect((await cli(['--version'])).stdout.trim()).toBe(`hookctl ${packed.filename.replace(/^hookctl-|\.tgz$/g, '')}`);
  });

  it('sends a signed sample to a loopback receiver', async () => {
    const { url, received } = await receiver();
    const sent = await cli(['send', 'pull_request.opened', '--to', url, '--secret', SECRET]);
    expect(sent.stdout + sent.stderr).toMatch(/✓ pull_request\.opened → http:\/\/127\.0\.0\.1:\d+\/hooks 204/);
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received;
    expect(headers['x-github-event']).toBe('pull_request');
    expect(headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ action: 'opened' });
  });

  it('listens, stores a send in SQLite, and serves the inspector page over it', async () => {
    const [command, prefix] = hookctl();
    const listener = start(command, [...prefix, 'listen', '--port', '0', '--inspect-port', '0', '--secret', SECRET], cliEnv());
    const [, url] = await listener.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, inspector] = await listener.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    await cli(['send', 'issues.opened', '--to', url, '--secret', SECRET]);
    const [line] = await listener.waitFor(/issues\.opened\s.*✓ valid\s+200/);
    expect(line).not.toMatch(/store|bindings/i);

    const page = await fetch(inspector);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>hookctl inspector</title>');
    expect((await fetch(new URL('api/deliveries', inspector))).status).toBe(401); // the token is the user's
    const apiUrl = new URL('api/deliveries', inspector);
    apiUrl.search = new URL(inspector).search;
    const api = (await (await fetch(apiUrl)).json()) as { deliveries: { event: string; action: string; signature: string }[] };
    expect(api.deliveries).toEqual([expect.objectContaining({ event: 'issues', action: 'opened', signature: 'valid' })]);

    // Ctrl+C: hookctl stops cleanly (exit 0); npx then ends by the same signal, as npm does.
    const stopped = await listener.stop();
    expect(listener.output()).toMatch(/Stopped after .*: 1 accepted, 0 rejected/);
    expect(stopped).toEqual(command === npx ? { code: null, signal: 'SIGINT' } : { code: 0, signal: null });
    expect(existsSync(join(dir, home, 'deliveries.db'))).toBe(true);
  });
});

describe('the tarball on a package page', () => {
  it('holds every image the README links, and README links no image outside it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]+src="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
    expect(images.length).toBeGreaterThan(0);
    const paths = new Set(packed.files.map((f) => f.path));
    const missing = images.filter((src) => !/^https:\/\//.test(src) && !paths.has(src.replace(/^\.\//, '')));
    expect(missing).toEqual([]);
  });
});
