/**
 * The first hour's loop (issue 23): `listen` in one terminal and `send`/`replay` in another with
 * no flags; the default port that moves when taken; explicit ports that are errors; hints that
 * name ports that are really free. In this process, every port from port 0.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { newDelivery } from '../helpers/deliveries.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { inPty } from '../helpers/pty.js';
import { sandbox, type Sandbox } from '../helpers/run-cli.js';

let box: Sandbox;
let running: InProcessRunning[] = [];
let servers: Server[] = [];
let captures: CaptureServer[] = [];

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  // One signal stops every in-process command (the signal policy listens on process).
  if (running.length > 0) await running[0].stop('SIGINT');
  for (const s of servers) await new Promise((r) => s.close(r));
  for (const c of captures) await c.close();
  running = [];
  servers = [];
  captures = [];
  box.cleanup();
});

function start(args: string[], env: NodeJS.ProcessEnv = box.env): InProcessRunning {
  const cli = startInProcess(args, { env });
  running.push(cli);
  return cli;
}

async function listenOn(args: string[] = ['--port', '0'], env?: NodeJS.ProcessEnv): Promise<{ cli: InProcessRunning; url: string; port: number }> {
  const cli = start(['listen', '--no-inspect', ...args], env);
  const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/);
  return { cli, url: m[1], port: Number(m[2]) };
}

/** A port held by this test (bound on port 0): taken for whoever tries it. */
async function hold(port = 0): Promise<number | null> {
  const server = createServer();
  const bound = await new Promise<number | null>((resolve) => {
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve((server.address() as AddressInfo).port));
  });
  if (bound !== null) servers.push(server);
  return bound;
}

/** Two adjacent ports, both held (tries a bounded number of pairs). */
async function holdPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const first = (await hold())!;
    if (first < 65535 && (await hold(first + 1)) !== null) return first;
  }
  throw new Error('no two adjacent free ports in 20 tries');
}

async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
  });
  if (ok) await new Promise((r) => server.close(r));
  return ok;
}

describe('send and replay find the running listener (issue 23, item 1)', () => {
  it('send without --to goes to the running listener and says so', async () => {
    const { cli, url } = await listenOn(['--port', '0', '--path', '/webhooks']);
    const sent = await runInProcess(['send', 'pull_request.opened'], { env: box.env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain(`To the running listener: ${url} (pid ${process.pid}`);
    expect(sent.stdout).toContain(`→ ${url} 200`);
    await cli.waitFor(/pull_request\.opened/);
  });

  it('the record is private while listen runs and gone when it stops', async () => {
    const { cli, port } = await listenOn();
    const folder = join(box.env.HOOKCTL_HOME!, 'listeners');
    const files = readdirSync(folder);
    expect(files).toEqual([`${process.pid}-${port}.json`]);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(join(folder, files[0])).mode & 0o777).toBe(0o600);
    expect(await cli.stop('SIGINT')).toEqual({ code: 0 });
    running = [];
    expect(readdirSync(folder)).toEqual([]);
  });

  it('with several listeners, the newest, naming the others', async () => {
    const older = await listenOn();
    const newer = await listenOn();
    const sent = await runInProcess(['send', 'push'], { env: box.env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toMatch(/2 listeners are running; to the newest: /);
    expect(sent.stderr).toContain(`to the newest: ${newer.url}`);
    expect(sent.stderr).toContain(`also running: ${older.url}`);
    expect(sent.stdout).toContain(`→ ${newer.url} 200`);
  });

  it('a stale record (its process is gone) is ignored; then $HOOKCTL_URL, said as such', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const folder = join(box.env.HOOKCTL_HOME!, 'listeners');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${dead}-1.json`), JSON.stringify({ url: 'http://127.0.0.1:1/', path: null, pid: dead, port: 1, host: '127.0.0.1', store: '', startedAt: new Date().toISOString() }));
    const capture = await startCaptureServer();
    captures.push(capture);
    const sent = await runInProcess(['send', 'ping'], { env: { ...box.env, HOOKCTL_URL: capture.url } });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain(`No listener is running: to $HOOKCTL_URL, ${capture.url}`);
    expect(capture.requests).toHaveLength(1);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('with no listener and no $HOOKCTL_URL, the default, said as such', async () => {
    const sent = await runInProcess(['send', 'ping', '--dry-run'], { env: { ...box.env, HOOKCTL_DEFAULT_PORT: '5999' } });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain('No listener is running and $HOOKCTL_URL is not set: to the default, http://127.0.0.1:5999/');
    expect(sent.stdout).toContain('Host: 127.0.0.1:5999');
  });

  it('replay without --to goes to the running listener, keeping the delivery\'s path', async () => {
    const first = await listenOn(['--port', '0', '--store', join(box.dir, 'a.db')]);
    const sent = await runInProcess(['send', 'issues.opened', '--to', `${first.url}hooks/github`], { env: box.env });
    expect(sent.code, sent.stderr).toBe(0);
    const guid = /X-GitHub-Delivery: (\S+)/.exec(sent.stdout)![1];
    const capture = await startCaptureServer();
    captures.push(capture);
    // A second listener (newer) on its own store: the replay goes there, to the same path.
    const second = await listenOn(['--port', '0', '--store', join(box.dir, 'b.db')]);
    const replayed = await runInProcess(['replay', guid, '--store', join(box.dir, 'a.db')], { env: box.env });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stderr).toContain(`to the newest: ${second.url}`);
    expect(replayed.stdout).toContain(`→ ${second.url}hooks/github 200`);
  });
});

describe('ports (issue 23, items 2 and 4)', () => {
  it('the default port taken: listen takes the next free one, says so, and send finds it', async () => {
    const taken = (await hold())!;
    const env = { ...box.env, HOOKCTL_DEFAULT_PORT: String(taken) };
    const cli = start(['listen', '--no-inspect'], env);
    const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    const port = Number(m[1]);
    expect(port).not.toBe(taken);
    expect(cli.stderr()).toContain(`Port ${taken} is taken: listening on ${port} instead`);
    const sent = await runInProcess(['send', 'push'], { env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(`→ http://127.0.0.1:${port}/ 200`);
  });

  it('an explicit --port that is taken is an error whose hint names a port that is free', async () => {
    const taken = await holdPair();
    const r = await runInProcess(['listen', '--no-inspect', '--port', String(taken)], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${taken} is already in use`);
    const suggested = Number(/hookctl listen --port (\d+)/.exec(r.stderr)![1]);
    expect(suggested).not.toBe(taken);
    expect(suggested).not.toBe(taken + 1);
    expect(await bindable(suggested)).toBe(true);
  });
});

describe('an explicit inspector port (issue 23, items 3 and 4)', () => {
  it('listen --inspect-port N taken: an error naming a port that is free, not a silent move', async () => {
    const taken = await holdPair();
    const r = await runInProcess(['listen', '--port', '0', '--inspect-port', String(taken)], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot start the inspector on 127.0.0.1:${taken}: that port is taken`);
    expect(r.stderr).not.toMatch(/Inspector: http/);
    const suggested = Number(/--inspect-port (\d+)/.exec(r.stderr)![1]);
    expect([taken, taken + 1]).not.toContain(suggested);
    expect(await bindable(suggested)).toBe(true);
  });

  it('inspect --port N taken: the same, with inspect\'s flag', async () => {
    const taken = (await hold())!;
    openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db')).close(); // inspect reads a store that exists (a missing one is exit 2, before any port)
    const r = await runInProcess(['inspect', '--port', String(taken)], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot start the inspector on 127.0.0.1:${taken}: that port is taken`);
    const suggested = Number(/e\.g\. --port (\d+)/.exec(r.stderr)![1]);
    expect(suggested).not.toBe(taken);
    expect(await bindable(suggested)).toBe(true);
  });
});

describe('listen --tunnel checks before it starts (issue 23, item 5)', () => {
  // No token anywhere (a sandbox: no GITHUB_TOKEN/GH_TOKEN, and a HOME where gh is logged out), no prompt.
  const noGh = () => ({ ...box.env, PATH: join(box.dir, 'empty-bin') });

  it('--register with no token and no cloudflared: both said at once, exit 4, nothing started or written', async () => {
    const r = await runInProcess(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--cloudflared', join(box.dir, 'no-cloudflared')], { env: noGh() });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('--tunnel cannot start: 2 things are missing (nothing was started)');
    expect(r.stderr).toMatch(/1\. no GitHub token/);
    expect(r.stderr).toMatch(/2\. cloudflared not found at .*no-cloudflared/);
    expect(r.stderr).not.toMatch(/Listening on|Inspector:/);
    expect(existsSync(join(box.env.HOOKCTL_HOME!, 'hooks.json'))).toBe(false);
  });

  it('--register-app with no App credentials and no cloudflared: both, exit 4, nothing started', async () => {
    const r = await runInProcess(['listen', '--port', '0', '--tunnel', '--register-app', '--cloudflared', join(box.dir, 'no-cloudflared')], { env: noGh() });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/1\. no GitHub App credentials/);
    expect(r.stderr).toMatch(/2\. cloudflared not found at .*no-cloudflared/);
    expect(r.stderr).not.toMatch(/Listening on|Inspector:/);
  });
});

describe('deliveries: a stray word, and deleting without a terminal (issue 23, items 7 and 14)', () => {
  const storeFile = () => join(box.env.HOOKCTL_HOME!, 'deliveries.db');
  function seed(guids: string[]): string[] {
    mkdirSync(box.env.HOOKCTL_HOME!, { recursive: true });
    const store = openStore(storeFile());
    try {
      return guids.map((deliveryId) => store.insertDelivery(newDelivery({ deliveryId })).id);
    } finally {
      store.close();
    }
  }
  const stored = async () => (JSON.parse((await runInProcess(['deliveries', 'list', '--json'], { env: box.env })).stdout) as unknown[]).length;

  it.each([[['deliveries', 'list', 'push']], [['deliveries', 'push']], [['deliveries', 'list', 'pull_request.opened']]])('%j suggests --event, not a subcommand', async (args) => {
    const r = await runInProcess(args, { env: box.env });
    expect(r.code).toBe(2);
    const word = args[args.length - 1];
    expect(r.stderr).toContain(`Did you mean: hookctl deliveries list --event ${word}?`);
    expect(r.stderr).not.toMatch(/deliveries pull/);
  });

  it('a mistyped subcommand still gets the closest subcommands', async () => {
    const r = await runInProcess(['deliveries', 'pul'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "deliveries pul"[\s\S]*Did you mean: deliveries pull/);
  });

  it('deliveries --help shows list without its catch-all argument', async () => {
    const help = await runInProcess(['deliveries', '--help'], { env: box.env });
    expect(help.stdout).toMatch(/^ {2}list \[options\] +list stored deliveries/m);
    expect(help.stdout).not.toContain('unexpected');
    const listHelp = await runInProcess(['deliveries', 'list', '--help'], { env: box.env });
    expect(listHelp.stdout).toContain('Usage: hookctl deliveries list [options]\n');
  });

  it('rm without a terminal and without --yes deletes nothing and names what it would delete', async () => {
    const ids = seed(['g-1', 'g-2']);
    const r = await runInProcess(['deliveries', 'rm', ids[0], ids[1]], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`this would delete 2 deliveries (${ids[0]}, ${ids[1]}) from ${storeFile()}; without a terminal to ask, pass --yes`);
    expect(r.stderr).toContain(`hookctl deliveries rm ${ids[0]} ${ids[1]} --yes`);
    expect(await stored()).toBe(2);
    const yes = await runInProcess(['deliveries', 'rm', ids[0], '--yes'], { env: box.env });
    expect(yes.code, yes.stderr).toBe(0);
    expect(await stored()).toBe(1);
  });

  it('prune without a terminal and without --yes deletes nothing', async () => {
    seed(['g-1', 'g-2', 'g-3']);
    const r = await runInProcess(['deliveries', 'prune', '--keep', '1'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`this would delete up to 2 deliveries of 3 from ${storeFile()}; without a terminal to ask, pass --yes`);
    expect(r.stderr).toContain('hookctl deliveries prune --keep 1 --yes');
    expect(await stored()).toBe(3);
  });
});

describe('replay --dry-run and --edit (issue 23, item 6)', () => {
  const storeFile = () => join(box.env.HOOKCTL_HOME!, 'deliveries.db');
  function seed(n: number): string[] {
    mkdirSync(box.env.HOOKCTL_HOME!, { recursive: true });
    const store = openStore(storeFile());
    try {
      return Array.from({ length: n }, (_, i) => store.insertDelivery(newDelivery({ deliveryId: `g-${i}`, body: Buffer.from(`{"action":"opened","n":${i}}`) })).id);
    } finally {
      store.close();
    }
  }
  const attempts = async (id: string) => (JSON.parse((await runInProcess(['deliveries', 'show', id, '--json'], { env: box.env })).stdout) as { attempts: unknown[] }).attempts.length;

  it('one delivery: the exact request, re-signed with --secret; nothing sent or recorded', async () => {
    const [id] = seed(1);
    const capture = await startCaptureServer();
    captures.push(capture);
    const r = await runInProcess(['replay', id, '--dry-run', '--to', `${capture.url}hooks`, '--secret', 's3cret'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('POST /hooks HTTP/1.1');
    expect(r.stdout).toMatch(/X-Hub-Signature-256: sha256=[0-9a-f]{64}/);
    expect(r.stdout).toContain('{"action":"opened","n":0}');
    expect(r.stderr).toContain('Nothing was sent (--dry-run): 1 delivery would be replayed.');
    expect(capture.requests).toHaveLength(0);
    expect(await attempts(id)).toBe(0);
  });

  it('a batch: how many, and the first three', async () => {
    seed(5);
    const capture = await startCaptureServer();
    captures.push(capture);
    const r = await runInProcess(['replay', '--all', '--dry-run', '--to', capture.url], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^POST \/ HTTP\/1\.1$/gm)).toHaveLength(3);
    expect(r.stderr).toContain('Nothing was sent (--dry-run): 5 deliveries would be replayed; the first 3 shown.');
    expect(capture.requests).toHaveLength(0);
  });

  /** An $EDITOR that writes broken JSON first, then (second call) fixed JSON; it keeps what it was shown. */
  function editorScript(): string {
    const script = join(box.dir, 'editor.sh');
    writeFileSync(
      script,
      `#!/bin/sh
n=$(cat "${box.dir}/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${box.dir}/count"
cp "$1" "${box.dir}/seen-$n"; echo "$1" > "${box.dir}/path-$n"
if [ $n = 1 ]; then printf '{"action": oops}\n' > "$1"; else printf '{"action":"edited"}\n' > "$1"; fi
`,
    );
    chmodSync(script, 0o755);
    return script;
  }

  it('--edit with a JSON mistake: on a terminal, the same file again with the error at its top; then sent', async () => {
    const [id] = seed(1);
    const capture = await startCaptureServer();
    captures.push(capture);
    const r = await inPty(['replay', id, '--edit', '--to', capture.url], [['Open the editor again', 'y\r']], { ...box.env, EDITOR: editorScript() });
    expect(r.code, r.transcript).toBe(0);
    expect(r.transcript).toMatch(/the edited payload is not JSON: .*line 1/);
    expect(readFileSync(join(box.dir, 'path-2'), 'utf8')).toBe(readFileSync(join(box.dir, 'path-1'), 'utf8'));
    const second = readFileSync(join(box.dir, 'seen-2'), 'utf8');
    expect(second).toMatch(/^\/\/ hookctl: not JSON: /);
    expect(second).toContain('{"action": oops}');
    expect(capture.requests.map((q) => q.body.toString())).toEqual(['{"action":"edited"}']);
  });

  it('--edit with a JSON mistake, not fixed: nothing sent, the file kept and named with the command to send it', async () => {
    const [id] = seed(1);
    const capture = await startCaptureServer();
    captures.push(capture);
    const r = await inPty(['replay', id, '--edit', '--to', capture.url], [['Open the editor again', 'n\r']], { ...box.env, EDITOR: editorScript() });
    expect(r.code, r.transcript).toBe(2);
    const kept = readFileSync(join(box.dir, 'path-1'), 'utf8').trim();
    const said = r.transcript.replace(/\r?\n\s*/g, ' ');
    expect(said).toContain(`Your edit is kept in ${kept}`);
    expect(said).toContain(`hookctl replay ${id} --payload ${kept}`);
    expect(readFileSync(kept, 'utf8')).toBe('{"action": oops}\n');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(capture.requests).toHaveLength(0);
  });
});

describe('what is said is what happened (issue 23, item 16)', () => {
  it('send pull_request.closed:merged reports the variant it sent', async () => {
    const capture = await startCaptureServer();
    captures.push(capture);
    const r = await runInProcess(['send', 'pull_request.closed:merged', '--to', capture.url], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pull_request.closed:merged → ${capture.url} 200`);
    expect(JSON.parse(capture.requests[0].body.toString()).pull_request.merged).toBe(true);
  });

  it('deliveries show of a cut body does not offer its --raw as the exact bytes', async () => {
    mkdirSync(box.env.HOOKCTL_HOME!, { recursive: true });
    const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
    let id: string;
    try {
      id = store.insertDelivery(newDelivery({ status: 401, signature: 'invalid', body: Buffer.from('{"action":"op'), bodyBytes: 5_000_000, bodySha256: 'ab'.repeat(32) })).id;
    } finally {
      store.close();
    }
    const r = await runInProcess(['deliveries', 'show', id], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Rejected body: only the first/);
    expect(r.stdout).not.toContain('exact bytes');
    expect(r.stdout).toContain(`the kept part: hookctl deliveries show ${id} --raw`);
  });
});

describe('--host 0.0.0.0 (issue 23, item 16)', () => {
  it('prints a URL one can open (loopback) and says it listens on every interface', async () => {
    const cli = start(['listen', '--no-inspect', '--port', '0', '--host', '0.0.0.0']);
    const m = await cli.waitFor(/Listening on (http:\/\/\S+)( on every interface \(0\.0\.0\.0\))?/);
    expect(m[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(m[2]).toBeDefined();
    expect(cli.stderr()).not.toContain('0.0.0.0:');
  });
});
