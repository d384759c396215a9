#!/usr/bin/env node
/**
 * A fake `cloudflared` for tests (no internet). `cloudflared tunnel --url URL --no-autoupdate`
 * prints log lines on stderr in the real binary's format (timestamps, INF/WRN/ERR, the boxed
 * https://<words>.trycloudflare.com URL, `Registered tunnel connection connIndex=0 …`), and really
 * proxies HTTP from its own loopback port to the --url target, adding the headers Cloudflare adds.
 *
 * test/helpers/bin/cloudflared is a symlink to this file, so putting test/helpers/bin first on
 * PATH (or pointing CLOUDFLARED_BIN or --cloudflared at either) runs it with no shell in
 * between: the kernel reads the shebang, `env` finds node on the child's PATH, and the pid
 * hookctl started is the fake's own.
 *
 * The public URL cannot resolve, so the fake writes where it really listens to a JSON file
 * given by FAKE_CLOUDFLARED_STATE: {pid, publicUrl, localUrl, target, args, envKeys} (pid from the start,
 * the URLs once the proxy listens). Tests map the public URL to localUrl with it (acting as
 * GitHub's hookshot); hookctl itself knows nothing of this. Every request the proxy gets is
 * appended to FAKE_CLOUDFLARED_STATE.requests as a JSON line {pid, method, url, probe, hung}
 * (probe: it carried hookctl's X-Hookctl-Probe header; hung: a stalled tunnel never answered it),
 * and every SIGTERM/SIGINT it gets to FAKE_CLOUDFLARED_STATE.signals, one a line.
 *
 * FAKE_CLOUDFLARED_MODE:
 *   normal          (default) URL, one registered connection, proxy until SIGTERM/SIGINT
 *   no-url          starts, never prints a URL (hookctl must time out)
 *   no-connection   prints the URL, never registers a connection
 *   error           fails to create the quick tunnel and exits 1
 *   die             comes up, then dies after FAKE_CLOUDFLARED_DIE_AFTER_MS (default 300)
 *   ignore-sigterm  comes up; logs SIGTERM/SIGINT and keeps running (only SIGKILL stops it), even
 *                   once its log pipe is gone (hookctl was SIGKILLed: only the watchdog is left)
 *   stall           comes up, then after FAKE_CLOUDFLARED_STALL_AFTER_MS (default 300; 0: at once) keeps running but
 *                   stops proxying (requests hang): a tunnel that is dead without exiting
 * In every mode that comes up, SIGUSR2 makes it die at once the way `die` does (listened for
 * before the URL is printed, so a test that saw the tunnel ready can send it): the test decides when.
 * FAKE_CLOUDFLARED_TIMES=N applies the mode to the first N starts only (counted in
 * FAKE_CLOUDFLARED_STATE.starts); later starts are normal — a tunnel that heals after N failures.
 * A $HOME/.cloudflared/config.y(a)ml makes it refuse the quick tunnel the way cloudflared
 * did before 2022.12 (exit 1, origin-cert error), whatever the mode.
 * FAKE_CLOUDFLARED_MAX_LIFETIME_MS (default 120000) bounds its life so a leak in a failing
 * test cannot linger on the machine.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const env = process.env;
/** Which start this is (1, 2, …), when FAKE_CLOUDFLARED_STATE is set. */
function startNumber() {
  if (!env.FAKE_CLOUDFLARED_STATE) return 1;
  const file = `${env.FAKE_CLOUDFLARED_STATE}.starts`;
  const n = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;
  writeFileSync(file, String(n));
  return n;
}
const isTunnelRun = process.argv[2] === 'tunnel';
const startNo = isTunnelRun ? startNumber() : 0;
const times = env.FAKE_CLOUDFLARED_TIMES ? Number(env.FAKE_CLOUDFLARED_TIMES) : Infinity;
const mode = startNo > times ? 'normal' : env.FAKE_CLOUDFLARED_MODE || 'normal';
const args = process.argv.slice(2);
const VERSION = '2025.11.1';
/** Between cloudflared's boxed URL and its registered connection: separate writes, no real wait. */
const PACE_MS = 1;

function ts() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function log(level, message) {
  process.stderr.write(`${ts()} ${level} ${message}\n`);
}

if (args[0] === '--version' || args[0] === 'version' || args[0] === '-v') {
  process.stdout.write(`cloudflared version ${VERSION} (built 2025-11-11-1200 UTC)\n`);
  process.exit(0);
}

const urlIndex = args.indexOf('--url');
if (args[0] !== 'tunnel' || urlIndex < 0 || !args[urlIndex + 1]) {
  process.stderr.write('fake cloudflared: only `tunnel --url URL` is supported\n');
  process.exit(2);
}
const target = new URL(args[urlIndex + 1]);

const lifetime = setTimeout(() => {
  log('ERR', 'fake cloudflared: max lifetime reached, exiting');
  process.exit(3);
}, Number(env.FAKE_CLOUDFLARED_MAX_LIFETIME_MS || 120_000));
lifetime.unref();

const WORDS = ['amber', 'orbit', 'cedar', 'pixel', 'harbor', 'lunar', 'signal', 'meadow', 'copper', 'violet', 'summit', 'ripple', 'granite', 'falcon', 'tundra', 'willow'];
function randomHost() {
  const bytes = randomBytes(4);
  return [...bytes].map((b) => WORDS[b % WORDS.length]).join('-') + '.trycloudflare.com';
}

const configDirs = env.HOME ? [join(env.HOME, '.cloudflared')] : [];
const config = configDirs.flatMap((d) => ['config.yml', 'config.yaml'].map((n) => join(d, n))).find((p) => existsSync(p));

/** FAKE_CLOUDFLARED_STATE: written at start (pid) and again once the proxy listens (URLs). */
function writeState(extra) {
  if (!env.FAKE_CLOUDFLARED_STATE) return;
  const tmp = `${env.FAKE_CLOUDFLARED_STATE}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, publicUrl: null, localUrl: null, target: target.href, args, mode, start: startNo, envKeys: Object.keys(env), ...extra }));
  renameSync(tmp, env.FAKE_CLOUDFLARED_STATE);
}

/** FAKE_CLOUDFLARED_STATE.requests: one JSON line per request the proxy got. */
function logRequest(req, hung) {
  if (!env.FAKE_CLOUDFLARED_STATE) return;
  const entry = { pid: process.pid, method: req.method, url: req.url, probe: 'x-hookctl-probe' in req.headers, hung };
  appendFileSync(`${env.FAKE_CLOUDFLARED_STATE}.requests`, JSON.stringify(entry) + '\n');
}
writeState({});

log('INF', 'Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by following: https://developers.cloudflare.com/cloudflare-one/connections/connect-apps');

if (config) {
  log('INF', `Settings: map[config:${config} no-autoupdate:true url:${args[urlIndex + 1]}]`);
  log('ERR', 'Cannot determine default origin certificate path. No file cert.pem in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]. You need to specify the origin certificate path by specifying the origincert option in the configuration file, or set TUNNEL_ORIGIN_CERT environment variable originCertPath=');
  process.stderr.write("error parsing tunnel ID: Error locating origin cert: client didn't specify origincert path\n");
  process.exit(1);
}

log('INF', 'Requesting new quick Tunnel on trycloudflare.com...');

if (mode === 'error') {
  setTimeout(() => {
    log('ERR', 'Error unmarshaling QuickTunnel response: error="invalid character \'<\' looking for beginning of value" status_code="429 Too Many Requests"');
    process.stderr.write('failed to unmarshal quick Tunnel: invalid character \'<\' looking for beginning of value\n');
    process.exit(1);
  }, 30);
} else if (mode === 'no-url') {
  // Stuck asking trycloudflare.com; SIGTERM ends it.
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  setInterval(() => {}, 1000);
} else {
  start();
}

function start() {
  const publicHost = randomHost();
  const publicUrl = `https://${publicHost}`;
  const connectionId = randomUUID();
  const sockets = new Set();
  process.on('SIGUSR2', die);

  let stalled = false;
  if (mode === 'stall') {
    const after = Number(env.FAKE_CLOUDFLARED_STALL_AFTER_MS || 300);
    if (after > 0) setTimeout(() => (stalled = true), after);
    else stalled = true;
  }
  const server = http.createServer((req, res) => {
    logRequest(req, stalled);
    if (stalled) return; // the request hangs: nothing reaches the origin any more
    const headers = { ...req.headers };
    headers.host = publicHost;
    headers['cf-connecting-ip'] = '203.0.113.7';
    headers['cf-ray'] = `${randomBytes(8).toString('hex')}-AMS`;
    headers['cf-visitor'] = '{"scheme":"https"}';
    headers['cf-ipcountry'] = 'NL';
    headers['cdn-loop'] = 'cloudflare; loops=1';
    headers['x-forwarded-for'] = '203.0.113.7';
    headers['x-forwarded-proto'] = 'https';
    headers['cf-warp-tag-id'] = connectionId;
    const upstream = http.request(
      { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || 80, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode || 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      log('ERR', ` error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: ${err.message}" connIndex=0 event=1 ingressRule=0 originService=${target.href}`);
      log('ERR', `Request failed error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: ${err.message}" connIndex=0 dest=${publicUrl}${req.url} event=0 ip=198.41.200.13 type=http`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html; charset=UTF-8' });
      res.end('<!DOCTYPE html><title>Bad gateway | trycloudflare.com | Cloudflare</title>Error 502');
    });
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const localUrl = `http://127.0.0.1:${port}`;
    writeState({ publicUrl, localUrl });
    setTimeout(() => {
      const line = `|  ${publicUrl}`;
      const width = 92;
      log('INF', '+' + '-'.repeat(width) + '+');
      log('INF', '|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |');
      log('INF', line + ' '.repeat(Math.max(1, width + 1 - line.length)) + '|');
      log('INF', '+' + '-'.repeat(width) + '+');
      log('INF', 'Cannot determine default configuration path. No file [config.yml config.yaml] in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]');
      log('INF', `Version ${VERSION} (Checksum ${randomBytes(32).toString('hex')})`);
      log('INF', `GOOS: linux, GOVersion: go1.24.9, GoArch: amd64`);
      log('INF', `Settings: map[ha-connections:1 no-autoupdate:true protocol:quic url:${args[urlIndex + 1]}]`);
      log('INF', 'cloudflared will not automatically update if installed by a package manager.');
      log('INF', `Generated Connector ID: ${randomUUID()}`);
      log('INF', 'Initial protocol quic');
      log('INF', 'ICMP proxy will use 127.0.0.1 as source for IPv4');
      log('INF', `Starting metrics server on 127.0.0.1:${20241}/metrics`);
      if (mode === 'no-connection') return;
      setTimeout(() => {
        log('INF', `Registered tunnel connection connIndex=0 connection=${connectionId} event=0 ip=198.41.200.13 location=ams07 protocol=quic`);
        if (mode === 'die') setTimeout(die, Number(env.FAKE_CLOUDFLARED_DIE_AFTER_MS || 300));
      }, PACE_MS);
    }, PACE_MS);
  });

  function die() {
    log('ERR', 'Serve tunnel error error="accept stream listener encountered a failure while serving" connIndex=0 event=0 ip=198.41.200.13');
    log('ERR', 'Connection terminated connIndex=0');
    log('ERR', 'no more connections active and exiting');
    process.exit(1);
  }

  if (mode === 'ignore-sigterm') process.stderr.on('error', () => undefined); // EPIPE must not end it either
  const shutdown = (signal) => {
    const name = signal === 'SIGINT' ? 'interrupt' : 'terminated';
    if (env.FAKE_CLOUDFLARED_STATE) appendFileSync(`${env.FAKE_CLOUDFLARED_STATE}.signals`, `${signal}\n`);
    if (mode === 'ignore-sigterm') {
      log('INF', `Initiating graceful shutdown due to signal ${name} ...`);
      return; // never finishes: only SIGKILL ends it
    }
    log('INF', `Initiating graceful shutdown due to signal ${name} ...`);
    log('INF', 'Unregistered tunnel connection connIndex=0 event=0 ip=198.41.200.13');
    server.close(() => process.exit(0));
    for (const s of sockets) s.destroy();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
