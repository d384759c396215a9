/**
 * The project file (hookctl.json or package.json's "hookctl" key), in this process: where it is
 * found, precedence flag > environment > file > default for every kind of setting, what a bad
 * file says (file:line, path, close match, exit 2), literal secrets refused, `hookctl config`
 * and `config --init`; and that listen and send really run with what the file says.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/core/webhook/signing.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { sandbox, type Sandbox } from '../helpers/run-cli.js';
import { postDelivery, samplePayload } from '../helpers/webhook-apps.js';

const SECRET = 'project-secret';
let box: Sandbox;
/** A repository: <repo>/.git, and a nested folder <repo>/packages/app/src to run from. */
let repo: string;
let nested: string;
let capture: CaptureServer;
let running: InProcessRunning[] = [];
let servers: Server[] = [];

beforeEach(async () => {
  box = sandbox();
  repo = join(box.dir, 'repo');
  nested = join(repo, 'packages', 'app', 'src');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(nested, { recursive: true });
  capture = await startCaptureServer((_req, res) => res.writeHead(202).end());
});
afterEach(async () => {
  for (const r of running) await r.stop('SIGINT');
  for (const s of servers) await new Promise((r) => s.close(r));
  running = [];
  servers = [];
  await capture.close();
  box.cleanup();
});

const write = (file: string, value: unknown) => writeFileSync(file, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
const hookctl = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runInProcess(args, { cwd: options.cwd ?? nested, env: { ...box.env, ...options.env } });

/** `hookctl config COMMAND` as rows: setting → value and where it came from. */
async function settingsOf(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await hookctl(['config', ...args], options);
  expect(r.code, r.stderr).toBe(0);
  const rows = new Map<string, { value: string; from: string }>();
  for (const line of r.stdout.split('\n')) {
    const m = /^ {2}(--[\w-]+) {2,}(.*?) {2,}(\S.*)$/.exec(line);
    if (m) rows.set(m[1], { value: m[2], from: m[3] });
  }
  return { rows, stdout: r.stdout, stderr: r.stderr };
}

describe('discovery', () => {
  it('finds hookctl.json in a folder above, up to the repository root, and send goes where it says', async () => {
    write(join(repo, 'hookctl.json'), { send: { to: `${capture.url}from-file` } });
    const r = await hookctl(['send', 'push']);
    expect(r.code, r.stderr).toBe(0);
    expect(capture.requests.map((q) => q.url)).toEqual(['/from-file']);
    const { stdout, rows } = await settingsOf(['send']);
    expect(stdout).toContain(`Project file: ${join(repo, 'hookctl.json')}`);
    expect(rows.get('--to')).toEqual({ value: `${capture.url}from-file`, from: `${join(repo, 'hookctl.json')}:3` });
  });

  it('stops at the repository root: a hookctl.json above it is not this project\'s', async () => {
    write(join(box.dir, 'hookctl.json'), { send: { to: `${capture.url}outside` } });
    const { stdout, rows } = await settingsOf(['send']);
    expect(stdout).toMatch(/^Project file: none/);
    expect(rows.get('--to')?.from).toBe('default');
  });

  it('reads package.json\'s "hookctl" key, passes over a package.json without one, and names the line in package.json', async () => {
    write(join(repo, 'packages', 'app', 'package.json'), { name: 'app', hookctl: { send: { to: `${capture.url}pkg` } } });
    write(join(repo, 'packages', 'app', 'src', 'package.json'), { name: 'src-only' });
    write(join(repo, 'hookctl.json'), { send: { to: `${capture.url}root` } });
    expect((await hookctl(['send', 'push'])).code).toBe(0);
    expect(capture.requests.map((q) => q.url)).toEqual(['/pkg']);
    const { stdout, rows } = await settingsOf(['send']);
    expect(stdout).toContain(`Project file: ${join(repo, 'packages', 'app', 'package.json')} ("hookctl" key)`);
    expect(rows.get('--to')?.from).toBe(`${join(repo, 'packages', 'app', 'package.json')}:5`);
  });

  it('in the folder itself the path is shown relative', async () => {
    write(join(nested, 'hookctl.json'), { send: { to: capture.url } });
    const { stdout, rows } = await settingsOf(['send']);
    expect(stdout).toContain('Project file: hookctl.json\n');
    expect(rows.get('--to')?.from).toBe('hookctl.json:3');
  });

  it('--config FILE and $HOOKCTL_CONFIG name one anywhere; --config wins; --no-config ignores them all', async () => {
    const a = join(box.dir, 'a.json');
    const b = join(box.dir, 'b.json');
    write(a, { send: { to: `${capture.url}a` } });
    write(b, { send: { to: `${capture.url}b` } });
    write(join(repo, 'hookctl.json'), { send: { to: `${capture.url}found` } });
    expect((await hookctl(['send', 'push', '--config', a])).code).toBe(0);
    expect((await hookctl(['send', 'push'], { env: { HOOKCTL_CONFIG: b } })).code).toBe(0);
    expect((await hookctl(['--config', a, 'send', 'push'], { env: { HOOKCTL_CONFIG: b } })).code).toBe(0);
    expect(capture.requests.map((q) => q.url)).toEqual(['/a', '/b', '/a']);
    const { stdout, rows } = await settingsOf(['send', '--no-config'], { env: { HOOKCTL_CONFIG: b } });
    expect(stdout).toMatch(/^Project file: none/);
    expect(rows.get('--to')?.from).toBe('default');
    expect((await settingsOf(['send'], { env: { HOOKCTL_CONFIG: b } })).stdout).toContain(`Project file: ${b} ($HOOKCTL_CONFIG)`);
  });

  it('a --config file that does not exist is a usage error', async () => {
    const r = await hookctl(['send', 'push', '--config', 'nope.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read the project file ${join(nested, 'nope.json')} (--config): ENOENT`);
    expect(capture.requests).toHaveLength(0);
  });
});

describe('precedence: flag > environment > project file > default, for every kind of setting', () => {
  const FILE = {
    secretEnv: 'MY_APP_WEBHOOK_SECRET',
    store: 'data/deliveries.db',
    listen: {
      port: 3100,
      host: '127.0.0.2',
      path: '/webhooks',
      forwardTo: { push: 'http://localhost:3000/push', '*': 'http://localhost:3000/hooks' },
      events: ['push', 'pull_request'],
      inspectPort: 4200,
      catchUp: false,
      tunnel: true,
      registerApp: true,
      appId: 123456,
      privateKey: 'keys/app.pem',
      cloudflared: 'bin/cloudflared',
      apiUrl: 'https://ghe.example.com/api/v3',
    },
    send: { to: 'http://localhost:3000/webhooks', contentType: 'form' },
    register: { events: '*', url: 'https://example.com/hooks' },
  };
  const file = () => join(repo, 'hookctl.json');
  const at = (line: number) => `${file()}:${line}`;

  beforeEach(() => write(file(), FILE));

  it('the file fills what no flag or variable set, each value as its flag would give it, with its line', async () => {
    const { rows } = await settingsOf(['listen'], { env: { MY_APP_WEBHOOK_SECRET: SECRET } });
    expect(rows.get('--port')).toEqual({ value: '3100', from: at(5) }); // port
    expect(rows.get('--host')).toEqual({ value: '127.0.0.2', from: at(6) }); // string over a default
    expect(rows.get('--forward-to')).toEqual({ value: 'push=http://localhost:3000/push http://localhost:3000/hooks', from: at(8) }); // routes
    expect(rows.get('--events')).toEqual({ value: 'push,pull_request', from: at(12) }); // events
    expect(rows.get('--catch-up')).toEqual({ value: 'false', from: at(17) }); // boolean over a default
    expect(rows.get('--tunnel')).toEqual({ value: 'true', from: at(18) });
    expect(rows.get('--app-id')).toEqual({ value: '123456', from: at(20) }); // id
    expect(rows.get('--private-key')).toEqual({ value: join(repo, 'keys', 'app.pem'), from: at(21) }); // path, relative to the file
    expect(rows.get('--store')).toEqual({ value: join(repo, 'data', 'deliveries.db'), from: at(3) }); // shared key
    expect(rows.get('--secret')).toEqual({ value: '******** (from $MY_APP_WEBHOOK_SECRET)', from: at(2) }); // secret reference
    expect(rows.get('--inspect')).toEqual({ value: 'true', from: 'default' });
  });

  it('a flag wins over the file', async () => {
    const r = await settingsOf(['listen', '--port', '3999', '--host', '0.0.0.0', '--forward-to', 'http://localhost:1/x', '--events', 'ping', '--store', '/tmp/s.db', '--secret', 'flag-secret', '--app-id', '7'], {
      env: { MY_APP_WEBHOOK_SECRET: SECRET },
    });
    for (const [flag, value] of [['--port', '3999'], ['--host', '0.0.0.0'], ['--forward-to', 'http://localhost:1/x'], ['--events', 'ping'], ['--store', '/tmp/s.db'], ['--app-id', '7'], ['--secret', '********']]) {
      expect(r.rows.get(flag), flag).toEqual({ value, from: 'flag' });
    }
    expect(r.stdout).not.toContain('flag-secret');
  });

  it('the environment wins over the file, and a secret never shows', async () => {
    const { rows, stdout } = await settingsOf(['listen'], {
      env: { MY_APP_WEBHOOK_SECRET: SECRET, HOOKCTL_SECRET: 'env-secret', GITHUB_API_URL: 'http://127.0.0.1:1/api', GITHUB_APP_ID: '99', CLOUDFLARED_BIN: '/opt/cf' },
    });
    expect(rows.get('--secret')).toEqual({ value: '******** (from $HOOKCTL_SECRET)', from: 'env HOOKCTL_SECRET' });
    expect(rows.get('--api-url')).toEqual({ value: 'http://127.0.0.1:1/api', from: 'env GITHUB_API_URL' });
    expect(rows.get('--app-id')).toEqual({ value: '99', from: 'env GITHUB_APP_ID' });
    expect(rows.get('--cloudflared')).toEqual({ value: '/opt/cf', from: 'env CLOUDFLARED_BIN' });
    expect(stdout).not.toContain('env-secret');
    expect(stdout).not.toContain(SECRET);
    const send = await settingsOf(['send'], { env: { HOOKCTL_URL: 'http://127.0.0.1:9/' } });
    expect(send.rows.get('--to')).toEqual({ value: 'http://127.0.0.1:9/', from: 'env HOOKCTL_URL' });
    expect(send.rows.get('--content-type')).toEqual({ value: 'form', from: at(27) }); // choices over a default
  });

  it('without the file, the built-in defaults', async () => {
    const { rows } = await settingsOf(['listen', '--no-config']);
    expect(rows.get('--port')).toEqual({ value: '0 (the next free one when taken)', from: 'default' }); // the sandbox moves 5000 to 0
    expect(rows.get('--host')).toEqual({ value: '127.0.0.1', from: 'default' });
    expect(rows.get('--catch-up')).toEqual({ value: 'true', from: 'default' });
    expect(rows.get('--secret')).toEqual({ value: '(none)', from: 'default' });
    expect(rows.get('--store')).toEqual({ value: join(box.env.HOOKCTL_HOME!, 'deliveries.db'), from: 'default' });
  });

  it('a secretEnv naming a variable that is not set says so, and runs without a secret', async () => {
    const { rows } = await settingsOf(['send']);
    expect(rows.get('--secret')).toEqual({ value: '(none: $MY_APP_WEBHOOK_SECRET is not set)', from: at(2) });
    const r = await hookctl(['send', 'push', '--to', capture.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${at(2)} names $MY_APP_WEBHOOK_SECRET for the webhook secret, and it is not set: no secret`);
    expect(capture.requests[0].headers['x-hub-signature-256']).toBeUndefined();
  });
});

describe('commands run with what the file says', () => {
  it('send: the target and the secret (by reference) from the file; a flag wins', async () => {
    write(join(repo, 'hookctl.json'), { secretEnv: 'MY_APP_WEBHOOK_SECRET', send: { to: `${capture.url}file`, contentType: 'form' } });
    const env = { MY_APP_WEBHOOK_SECRET: SECRET };
    expect((await hookctl(['send', 'push'], { env })).code).toBe(0);
    const [sent] = capture.requests;
    expect(sent.url).toBe('/file');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(verify(SECRET, sent.body, String(sent.headers['x-hub-signature-256']))).toBe(true);
    expect((await hookctl(['send', 'push', '--to', `${capture.url}flag`], { env })).code).toBe(0);
    expect((await hookctl(['send', 'push', '--secret', 'flag-secret'], { env })).code).toBe(0);
    expect(capture.requests.map((q) => q.url)).toEqual(['/file', '/flag', '/file']);
    expect(verify('flag-secret', capture.requests[2].body, String(capture.requests[2].headers['x-hub-signature-256']))).toBe(true);
  });

  it('listen: path, routes per event, events, store and secret from the file; the banner names the file', async () => {
    write(join(repo, 'hookctl.json'), {
      secretEnv: 'MY_APP_WEBHOOK_SECRET',
      listen: {
        port: 0,
        path: '/webhooks',
        forwardTo: { push: `${capture.url}push`, '*': `${capture.url}hooks` },
        events: ['push', 'pull_request'],
        store: 'deliveries.db',
        inspect: false,
      },
    });
    const listen = startInProcess(['listen'], { cwd: nested, env: { ...box.env, MY_APP_WEBHOOK_SECRET: SECRET } });
    running.push(listen);
    const [, url] = await listen.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/webhooks) +\(store: ([^;]+); settings from (\S+)\)/);
    expect(listen.stderr()).toContain(`(store: ${join(repo, 'deliveries.db')}; settings from ${join(repo, 'hookctl.json')})`);
    expect(listen.stderr()).not.toMatch(/Inspector:/);
    expect((await postDelivery(url, samplePayload(), { secret: SECRET, event: 'push', path: '/webhooks' })).status).toBe(200);
    expect((await postDelivery(url, samplePayload(), { secret: SECRET, event: 'pull_request', path: '/webhooks' })).status).toBe(200);
    expect((await postDelivery(url, samplePayload(), { secret: SECRET, event: 'issues', path: '/webhooks' })).status).toBe(200);
    expect((await postDelivery(url, samplePayload(), { secret: 'wrong', event: 'push', path: '/webhooks' })).status).toBe(401);
    await expect.poll(() => capture.requests.map((q) => `${q.headers['x-github-event']} ${q.url}`).sort()).toEqual(['pull_request /hooks', 'push /push']);
    expect(existsSync(join(repo, 'deliveries.db'))).toBe(true);
  });

  it('register: events, content type, payload URL and secret from the file; the API URL from the environment over the file', async () => {
    const gh: FakeGithub = await startFakeGithub();
    try {
      write(join(repo, 'hookctl.json'), {
        apiUrl: 'http://127.0.0.1:1/never',
        register: { events: ['push', 'issues'], contentType: 'form', secretEnv: 'MY_APP_WEBHOOK_SECRET', url: 'https://hooks.example.com/github' },
      });
      const hooks = '/repos/octo-org/octo-repo/hooks';
      gh.stub({ method: 'GET', path: hooks }, { body: [] });
      gh.stub({ method: 'POST', path: hooks }, { status: 201, body: makeHook({ id: 7, url: 'https://hooks.example.com/github', events: ['push', 'issues'], secret: true }) });
      const r = await hookctl(['register', 'octo-org/octo-repo'], { env: { GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: gh.url, MY_APP_WEBHOOK_SECRET: SECRET } });
      expect(r.code, r.stderr).toBe(0);
      expect(gh.requestsTo('POST', hooks)[0].body).toEqual({
        name: 'web',
        active: true,
        events: ['push', 'issues'],
        config: { url: 'https://hooks.example.com/github', content_type: 'form', insecure_ssl: '0', secret: SECRET },
      });
      gh.assertDone();
    } finally {
      await gh.close();
    }
  });

  it('listen: a port from the file is explicit, so a taken one is an error (not the next free one)', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as AddressInfo;
    write(join(repo, 'hookctl.json'), { listen: { port, inspect: false } });
    const r = await hookctl(['listen']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${port} is already in use on 127.0.0.1`);
  });

  it('a command without a setting the file holds never reads it (a broken file does not break validate)', async () => {
    write(join(repo, 'hookctl.json'), '{ not json');
    writeFileSync(join(nested, 'body.json'), '{"zen":"Keep it logically awesome.","hook_id":1}');
    const validate = await hookctl(['validate', join(nested, 'body.json'), '--event', 'ping']);
    expect(validate.code).not.toBe(2);
    expect(validate.stderr).not.toContain('hookctl.json');
    const send = await hookctl(['send', 'push', '--to', capture.url]);
    expect(send.code).toBe(2);
    expect(send.stderr).toContain('hookctl.json:1: not valid JSON');
  });
});

describe('a bad file: each problem with file:line and path, a close match, exit 2', () => {
  it('unknown keys get the closest known one (forward-to → forwardTo), bad values say what is allowed', async () => {
    write(join(repo, 'hookctl.json'), `{
  "listen": {
    "forward-to": "http://localhost:3000/webhooks",
    "port": 70000,
    "evnts": "push"
  },
  "send": { "contentType": "xml", "to": "localhost:3000" },
  "sned": {},
  "replay": { "secretEnv": "my secret value" }
}
`);
    const r = await hookctl(['send', 'push', '--to', capture.url]);
    expect(r.code).toBe(2);
    const f = join(repo, 'hookctl.json');
    expect(r.stderr).toContain(`${f}:3: listen["forward-to"] is not a setting of listen; did you mean "forwardTo"?`);
    expect(r.stderr).toContain(`${f}:4: listen.port must be <= 65535`);
    expect(r.stderr).toContain(`${f}:5: listen.evnts is not a setting of listen; did you mean "events"?`);
    expect(r.stderr).toContain(`${f}:7: send.contentType must be one of: json, form`);
    expect(r.stderr).toContain(`${f}:7: send.to must match ^https?://`);
    expect(r.stderr).toContain(`${f}:8: sned is not a section or a shared setting; did you mean "send"?`);
    expect(r.stderr).toContain(`${f}:9: replay.secretEnv must be the name of an environment variable (e.g. "MY_APP_WEBHOOK_SECRET"), not the secret itself`);
    expect(capture.requests).toHaveLength(0);
  });

  it('a key with no near match lists the known ones; a wrong shape of forwardTo says which shapes fit', async () => {
    write(join(repo, 'hookctl.json'), { listen: { colour: true, forwardTo: 42 } });
    const r = await hookctl(['listen']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(':3: listen.colour is not a setting of listen\n');
    expect(r.stderr).toMatch(/Known here: port, host, path, forwardTo, /);
    expect(r.stderr).toContain(':4: listen.forwardTo has the wrong shape: --forward-to: a URL, a list of URLs, or routes per event');
  });

  it('not JSON: the line of the mistake', async () => {
    write(join(repo, 'hookctl.json'), '{\n  "listen": {\n    "port": 3000,\n  }\n}\n');
    const r = await hookctl(['listen']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: ${join(repo, 'hookctl.json').replace(/[.\\/]/g, '\\$&')}:4: not valid JSON`));
    expect(r.stderr).toContain('no comments, no trailing commas');
  });

  it('in package.json, the path starts at the "hookctl" key and the line is package.json\'s', async () => {
    write(join(repo, 'package.json'), { name: 'app', version: '1.0.0', hookctl: { listen: { forwardto: 'http://localhost:3000/' } } });
    const r = await hookctl(['listen']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(repo, 'package.json')}:6: listen.forwardto is not a setting of listen; did you mean "forwardTo"?`);
  });
});

describe('never a secret in the file', () => {
  it('a literal secret is refused with the fix, and not echoed', async () => {
    write(join(repo, 'hookctl.json'), { listen: { port: 3000, secret: 'hunter2-literal' } });
    const r = await hookctl(['listen']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(repo, 'hookctl.json')}:4: listen.secret: the project file never holds a secret (it is committed with your app)`);
    expect(r.stderr).toContain('name the variable instead: "secretEnv": "MY_APP_WEBHOOK_SECRET"');
    expect(r.stderr).not.toContain('is not a setting'); // said once
    expect(r.stderr).not.toContain('hunter2-literal');
  });

  it('a token or a private key as any value is refused too', async () => {
    write(join(repo, 'hookctl.json'), { token: 'x', listen: { register: 'ghp_0123456789abcdefghijABCDEFGHIJ012345', privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIE' } });
    const r = await hookctl(['listen']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(':2: token: the project file never holds a secret');
    expect(r.stderr).toContain(':4: listen.register holds a token or a private key');
    expect(r.stderr).toContain(':5: listen.privateKey holds a token or a private key');
    expect(r.stderr).not.toContain('ghp_0123');
  });
});

describe('hookctl config --init', () => {
  it('writes the flags given as a project file that the command then uses', async () => {
    const r = await hookctl(['config', '--init', 'listen', '--port', '3000', '--forward-to', 'push=http://localhost:3000/push', '--forward-to', 'http://localhost:3000/hooks', '--events', 'push,pull_request', '--no-catch-up', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('not kept in the project file (give it on the command line): --json');
    expect(r.stderr).toContain('Wrote hookctl.json.');
    const written = JSON.parse(readFileSync(join(repo, 'hookctl.json'), 'utf8'));
    expect(written).toEqual({
      $schema: './node_modules/hookctl/schemas/hookctl-config.schema.json',
      listen: { port: 3000, forwardTo: { push: 'http://localhost:3000/push', '*': 'http://localhost:3000/hooks' }, events: ['push', 'pull_request'], catchUp: false },
    });
    const { rows } = await settingsOf(['listen']);
    expect(rows.get('--forward-to')?.value).toBe('push=http://localhost:3000/push http://localhost:3000/hooks');
    expect(rows.get('--catch-up')?.value).toBe('false');
  });

  it('refuses to overwrite without --force, and refuses a secret', async () => {
    write(join(repo, 'hookctl.json'), { send: { to: capture.url } });
    const again = await hookctl(['config', '--init', 'send', '--to', 'http://localhost:1/'], { cwd: repo });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error: hookctl.json already exists');
    expect(JSON.parse(readFileSync(join(repo, 'hookctl.json'), 'utf8')).send.to).toBe(capture.url);
    const forced = await hookctl(['config', '--init', '--force', 'send', '--to', 'http://localhost:1/'], { cwd: repo });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'hookctl.json'), 'utf8')).send.to).toBe('http://localhost:1/');
    rmSync(join(repo, 'hookctl.json'));
    const secret = await hookctl(['config', '--init', 'send', '--secret', 'hunter2'], { cwd: repo });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('"secretEnv": "MY_APP_WEBHOOK_SECRET"');
    expect(existsSync(join(repo, 'hookctl.json'))).toBe(false);
    const starter = await hookctl(['config', '--init'], { cwd: repo });
    expect(starter.code, starter.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'hookctl.json'), 'utf8'))).toEqual({ $schema: './node_modules/hookctl/schemas/hookctl-config.schema.json', listen: {} });
  });
});

describe('hookctl config', () => {
  it('without a command, every command the file can set, and an unknown flag is a usage error', async () => {
    write(join(repo, 'hookctl.json'), { store: 'd.db', register: { events: ['push'], contentType: 'form' } });
    const { stdout, rows } = await settingsOf([]);
    for (const name of ['listen', 'send', 'replay', 'register', 'tunnel']) expect(stdout).toContain(`\nhookctl ${name}\n`);
    expect(stdout).toMatch(/hookctl register\n(.*\n)* {2}--events {2,}push {2,}\S+hookctl\.json:4\n/);
    expect(rows.get('--store')?.value).toBe(join(repo, 'd.db'));
    const deliveries = await settingsOf(['deliveries', 'list']);
    expect(deliveries.rows.get('--store')).toEqual({ value: join(repo, 'd.db'), from: `${join(repo, 'hookctl.json')}:2` });
    const group = await hookctl(['config', 'deliveries']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("error: name one of hookctl deliveries's commands: list, show, export, rm, prune, pull");
    const bad = await hookctl(['config', 'listen', '--prot', '3000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: hookctl listen --prot 3000: unknown option '--prot'");
  });
});
