#!/usr/bin/env node
// The README's inspector screenshots (docs/inspector-list.png, -detail.png, -dark.png) from a
// REAL `hookctl listen`, with data a working afternoon would leave: catalog samples sent with
// `hookctl send` (several events and repositories), a 401 (wrong secret), a redelivery (the
// same GUID twice), a schema drift, forwards to an app (one of them failing with 500) and a
// replay. Everything runs on loopback in a scratch HOOKCTL_HOME; nothing is left behind.
//   npm run build && node scripts/screenshots-real.mjs [outDir=docs]
// Needs Debian's chromium (CHROMIUM_PATH to override), like scripts/inspector-screenshots.mjs.
import { spawn, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { takeScreenshots } from './inspector-screenshots.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'hookctl.js');
const SECRET = 'screenshots-secret';
const outDir = process.argv[2] ?? join(ROOT, 'docs');
const home = mkdtempSync(join(tmpdir(), 'hookctl-shots-'));
const env = { PATH: process.env.PATH, HOME: home, HOOKCTL_HOME: home, NO_COLOR: '1', HOOKCTL_NO_PROMPT: '1', LANG: 'C.UTF-8' };
const run = promisify(execFile);

/** The app hookctl forwards to: 200, except a check_run handler that crashes (500). */
function startApp() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['x-github-event'] === 'check_run') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error: TypeError: Cannot read properties of undefined (reading \'conclusion\')');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/api/github/webhooks` })));
}

/** `hookctl listen` with its inspector; resolves with both URLs once it printed them. */
function startListen(appUrl) {
  const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--inspect-port', '0', '--secret', SECRET, '--forward-to', appUrl], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`hookctl listen did not start:\n${err}`)), 20_000);
    child.stderr.on('data', (d) => {
      err += d;
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      const inspector = /Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/.exec(err);
      if (listening && inspector) {
        clearTimeout(timer);
        resolve({ child, listenUrl: listening[1], inspectorUrl: inspector[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`hookctl listen exited (${code}):\n${err}`)));
  });
}

const hookctl = (args) => run(process.execPath, [BIN, ...args], { env, cwd: ROOT });

async function list(inspectorUrl) {
  // The printed URL's token lets a script in too (as ?token=, or the cookie it is exchanged for).
  const url = new URL('/api/deliveries?limit=200', inspectorUrl);
  url.searchParams.set('token', new URL(inspectorUrl).searchParams.get('token') ?? '');
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(`GET ${url.pathname} → ${response.status}: ${body.error}`);
  return body.deliveries;
}

const app = await startApp();
const listener = await startListen(app.url);
try {
  // (No "[bot]" senders: `send --sender` puts the login in URLs unencoded, which reads as drift.)
  const sendWith = (secret, name, repo, sender, ...extra) => hookctl(['send', name, '--to', listener.listenUrl, '--secret', secret, '--repo', repo, '--sender', sender, ...extra]).catch((error) => error);
  const send = (...args) => sendWith(SECRET, ...args);
  const guid = randomUUID();
  // Oldest first: what arrived over an afternoon.
  await send('ping', 'acme/payments-api', 'monalisa');
  await send('push', 'acme/web', 'octocat', '--set', 'ref="refs/heads/main"');
  await send('issues.opened', 'acme/web', 'hubot', '--set', 'issue.title="Checkout fails with 502 on Safari"');
  await send('pull_request.opened', 'acme/payments-api', 'monalisa', '--set', 'pull_request.title="Retry failed card charges with backoff"');
  await send('check_run.completed', 'acme/payments-api', 'monalisa');
  await send('issue_comment.created', 'acme/web', 'octocat');
  await sendWith('an-old-secret', 'issues.opened', 'acme/web', 'mallory', '--set', 'issue.title="Signed with a rotated-out secret"');
  await send('push', 'acme/payments-api', 'monalisa', '--delivery-id', guid);
  await send('workflow_run.completed', 'acme/web', 'octocat');
  await send('push', 'acme/payments-api', 'monalisa', '--delivery-id', guid);
  await send('pull_request_review.submitted', 'acme/payments-api', 'hubot');
  await send('release.published', 'acme/cli', 'octocat');
  await send('star.created', 'acme/cli', 'defunkt');
  await send('dependabot_alert.created', 'acme/web', 'hubot');
  // A label without its colour: the payload drifts from GitHub's schema at one path.
  await send('pull_request.labeled', 'acme/payments-api', 'monalisa', '--set', 'label.color=null');

  // Wait until every forward answered and every schema verdict is in.
  const deadline = Date.now() + 20_000;
  let rows = await list(listener.inspectorUrl);
  while (rows.some((r) => r.status === 200 && (r.schema === null || r.forward === null)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    rows = await list(listener.inspectorUrl);
  }
  // Replay the newest pull request to the app, as a developer would after fixing a handler.
  const newestPull = rows.find((r) => r.event === 'pull_request');
  await hookctl(['replay', newestPull.id, '--to', app.url, '--secret', SECRET]);
  rows = await list(listener.inspectorUrl);
  console.error(`${rows.length} deliveries: ${rows.map((r) => `${r.event}${r.action ? `.${r.action}` : ''} ${r.status}`).join(', ')}`);

  const files = await takeScreenshots({ url: listener.inspectorUrl, outDir });
  for (const file of files) console.log(file);
} finally {
  listener.child.kill('SIGTERM');
  await new Promise((resolve) => listener.child.once('exit', resolve));
  await new Promise((resolve) => app.server.close(resolve));
  rmSync(home, { recursive: true, force: true });
}
