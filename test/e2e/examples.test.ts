/**
 * Every example the documentation shows runs, for real, and does what it says.
 *
 * Collected (so a new example is run without touching this file): each `Examples:` line of
 * `hookctl --help` and of every command's and subcommand's help (the help texts are read
 * in this process, from the same program the CLI builds), each `$ ` line of README.md's console
 * blocks (with the output shown under it) and each hookctl line of its sh blocks.
 *
 * Each collected example is one of three things, and a test below checks that none is left
 * out: run and checked (its exit code, the transcript the README shows, and what SPECS adds:
 * an exercise while it runs, checks after it), a setup step, or excluded with a reason. A setup
 * step is a README line that runs no hookctl and shows nothing (`export HOOKCTL_SECRET=…`,
 * `printf … > body.txt`): it cannot fail on its own, so it is no test; it runs, in order, in
 * the shell of the next command of its block (an `export` stays for the rest of the block, as
 * in a terminal), and a failing setup step fails that command.
 *
 * How they run: `sh -c LINE`, exactly as typed but for the ports (below), with `hookctl` on PATH
 * running the built CLI, in a "world" like the reader's:
 *
 * | what | where |
 * | --- | --- |
 * | working folder | delivery.json (the README's pull_request payload with 3 schema violations), body.json (a ping body), body.txt (`Hello, World!`), ./my-app.private-key.pem and ./dev-bot.private-key.pem (the key of App 123456), ./other-app.pem (another App's key), ./deliveries.db (a copy of the store), payloads → the repository's payloads/ (the README's `validate payloads/…` runs from a checkout) |
 * | cwd = the repository | `./bin/hookctl.js listen` (Quick start) |
 * | HOME | a fresh folder; the store is at the default ~/.local/share/hookctl/deliveries.db |
 * | the store | deliveries received by a real `hookctl listen` (the receiver below) from real `hookctl send`s and replays (recorded once, below), renamed to the ids the docs use: 0b1d7c3 ping, aa96de5 pull_request.opened, b5da260 push (401), 7b61d9b issues.opened (forwarded, replayed edited and with a new GUID), 3f2a9e1 pull_request.opened. Help examples get all five; README sections the subset their transcripts show (SECTIONS) |
 * | environment | HOOKCTL_SECRET=s3cret (the README's `export`), SECRET=s3cret, BODY (the ping body), SIGNATURE (its sha256 signature), GITHUB_TOKEN, GITHUB_API_URL → a strict fake GitHub stubbed for exactly what the example does, the fake cloudflared first on PATH |
 * | "127.0.0.1:5000" | the receiver: a `hookctl listen` with the same secret (the "other terminal"), one for the whole file, on a port it got by listening on port 0; HOOKCTL_DEFAULT_PORT points send, replay and export there |
 * | "localhost:3000" | "your app" (127.0.0.1 and ::1), answering 202: one per world, on a port from port 0 |
 * | "127.0.0.1:3999" | a port nothing listens on (one the system gave and took back just before) |
 * | the inspector | HOOKCTL_DEFAULT_INSPECT_PORT=0: any free port |
 *
 * Ports: no fixed port is ever bound, so two copies of this suite can run side by side. Before
 * a line runs, the README's ports in it become the world's (`localhost:3000` → the app's port,
 * `127.0.0.1:5000` → the receiver's, `3999` → the closed one), and a command that listens gets
 * its own port (`--port 5000` → `--port 0`, HOOKCTL_DEFAULT_PORT=0 for `hookctl listen`); what
 * it printed tells the port, which the exercise then sends to. A transcript is compared once
 * the real ports are renamed back to the README's.
 *
 * Each help example runs in a fresh world, up to CONCURRENCY at a time. A README section is one
 * session, its commands in order in one world (state carries from one to the next, as for the
 * reader); sections run side by side, each in its own world. A console block is one terminal:
 *
 * | README section | its world (SECTIONS) |
 * | --- | --- |
 * | Quick start | no store yet; run from the repository (`./bin/hookctl.js`), `npm ci` excluded |
 * | The loop in one minute | no store yet; terminal 1's `listen` runs while terminal 2's commands use it (the section's default port is its port), then Ctrl+C; what they send gets the ids aa96de5 and b5da260 |
 * | `hookctl deliveries` | 0b1d7c3, aa96de5, b5da260, 7b61d9b |
 * | `hookctl replay` | aa96de5, b5da260, 7b61d9b (`--all` replays three) |
 * | register/hooks, the delivery log, GitHub Apps | the fake GitHub answers each command as GitHub would after the commands before it |
 * | Tunnels | no secret in the environment; $HOOKCTL_HOME remembers webhook 512034 and its generated secret from an earlier run; cloudflared dies once |
 * | The project file | no store; the section's hookctl.json (its json block, ports placed) in the working folder; the secret in MY_APP_WEBHOOK_SECRET, none in HOOKCTL_SECRET |
 * | send, validate, sign/verify | no store (a section not in SECTIONS gets all five deliveries, like the help examples) |
 *
 * Long-running examples (listen, tunnel, inspect, --follow) are started, exercised (a delivery
 * sent through them, the inspector fetched, a ping through the tunnel, …), stopped with Ctrl+C
 * (SIGINT to the job, as a terminal does) and must exit 0. Exit codes other than 0 are listed
 * with the reason. A README transcript must appear in the real output: every line shown, once
 * ids, times, sizes, ports and the like are normalized; `…` in a shown line stands for anything.
 *
 * `node scripts/generate-catalog.mjs --check` is not run here: it is a step of `npm test` of its
 * own (`npm run check:generated`), and a test below checks that it stays one.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/webhook/signing.js';
import { secretFingerprint } from '../../src/core/github/hooks.js';
import { rememberHook, targetKey } from '../../src/core/github/hookstate.js';
import { runCli } from '../../src/cli.js';
import { listen, type ListenOptions } from '../../src/commands/listen.js';
import { collectHelpExamples, collectReadmeExamples, isExport, isSetupStep, missingLines, type Example, type ReadmeExample } from '../helpers/examples.js';
import { concurrencyLimit, hookctlShim, killAll, runShell, Shell, type ShellResult } from '../helpers/example-shell.js';
import { closedPort, deriveStore, editedSample, makeWorld, rsaKey, snapshotStore, startUserApp, type UserApp, type World } from '../helpers/example-world.js';
import { makeDeliveryDetail, makeDeliverySummary, makeHook, makeOrgHook, officialExample, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { hookshotPing } from '../helpers/hookshot.js';
import { inProcess } from '../helpers/in-process.js';
import { renameDeliveries, waitUntilSettled } from '../helpers/store-ids.js';
import { ROOT } from '../helpers/run-cli.js';

const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));
const SECRET = 's3cret';
const TOKEN = 'ghp_examplesTokenThatMustNeverBePrinted';
const APP_ID = 123456;
const REPO_HOOKS = '/repos/octo-org/octo-repo/hooks';
const PING_BODY = '{"zen":"Keep it logically awesome.","hook_id":1}';

/** The local ids and GUIDs the documentation names. */
const ID = { ping: '0b1d7c3', prOpened: 'aa96de5', badPush: 'b5da260', issues: '7b61d9b', prOpened2: '3f2a9e1' };
const ISSUES_GUID = '5a18b196-4c29-42fd-83f4-e75cb9c40b56';

/** How many examples run at once (help examples and README sections alike). */
const CONCURRENCY = 4;
const gate = concurrencyLimit(CONCURRENCY);

// ---------------------------------------------------------------------------------------
// Collecting the examples (at load time: the tests are made from them)

/** `hookctl …path --help`, printed by the CLI's own program in this process. */
async function helpOf(path: string[]): Promise<string> {
  const run = inProcess({ LANG: 'C.UTF-8' });
  const code = await runCli(run.ctx, [...path, '--help']);
  if (code !== 0) throw new Error(`hookctl ${[...path, '--help'].join(' ')} exited ${code}:\n${run.stderr()}`);
  return run.stdout();
}

const help = await collectHelpExamples(helpOf);
const readme = collectReadmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const allExamples: Example[] = [...help.examples, ...readme];

interface Exclusion {
  command: RegExp;
  reason: string;
  runInstead?: (command: string) => string;
  /** What makes the reason true (checked with the exclusion). */
  check?: () => void;
}

/** What is not run, and why (each must still match an example, so none goes stale). */
const EXCLUDED: Exclusion[] = [
  { command: /^npm ci && /, reason: '`npm ci` is not run (CI runs it); the rest of the line is', runInstead: (c) => c.replace(/^npm ci && /, '') },
  ...[/^npm install -g hookctl /, /^npm install -g \.\/hookctl-\S+\.tgz /, /^npx -p \.\/hookctl-\S+\.tgz hookctl /].map((command) => ({
    command,
    reason: 'installing from the registry or a tarball: test/package/global-install.test.ts installs the packed tarball both ways and runs it (npm run test:package, once per CI run)',
    check: () => {
      const test = readFileSync(join(ROOT, 'test/package/global-install.test.ts'), 'utf8');
      expect(test).toContain("['install', '-g', '--prefix'");
      expect(test).toContain("[npx, ['--yes', '-p', `./${packed.filename}`, 'hookctl']]");
    },
  })),
  { command: /^node scripts\/generate-catalog\.mjs +# rewrite them$/, reason: 'it rewrites the repository; `npm test` runs the same generation with --check, into a temp folder' },
  {
    command: /^node scripts\/generate-catalog\.mjs --check\b/,
    reason: '`npm test` runs it once, as its own step (`npm run check:generated`), not inside this file',
    check: () => {
      const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      expect(scripts['check:generated']).toBe('node scripts/generate-catalog.mjs --check');
      expect(scripts.test).toBe('node scripts/test.mjs');
      expect(readFileSync(join(ROOT, 'scripts', 'test.mjs'), 'utf8')).toContain("step('check:generated', npm, ['run', '--silent', 'check:generated'])");
    },
  },
];
const excluded = (ex: Example) => EXCLUDED.find((e) => e.command.test(ex.command));

/** What the suite does with an example: run and check it, run it as setup for one that is, or not run it. */
type Role = { kind: 'checked'; setup: ReadmeExample[] } | { kind: 'setup'; of?: Example } | { kind: 'excluded'; reason: string };

/** Setup steps belong to the next command of their block that is run and checked. */
function rolesOf(examples: Example[]): Map<Example, Role> {
  const roles = new Map<Example, Role>();
  let pending: ReadmeExample[] = [];
  let block = -1;
  for (const ex of examples) {
    if (ex.source === 'readme' && ex.block !== block) {
      block = ex.block;
      pending = [];
    }
    const exclusion = excluded(ex);
    if (exclusion && !exclusion.runInstead) roles.set(ex, { kind: 'excluded', reason: exclusion.reason });
    else if (isSetupStep(ex)) {
      pending.push(ex as ReadmeExample);
      roles.set(ex, { kind: 'setup' });
    } else {
      for (const step of pending) roles.set(step, { kind: 'setup', of: ex });
      roles.set(ex, { kind: 'checked', setup: pending });
      pending = [];
    }
  }
  return roles;
}

const roles = rolesOf(allExamples);
const roleOf = (ex: Example): Role => roles.get(ex)!;
const setupOf = (ex: Example): ReadmeExample[] => {
  const role = roleOf(ex);
  return role.kind === 'checked' ? role.setup : [];
};

// ---------------------------------------------------------------------------------------
// What each example needs beyond the defaults (exit 0, no GitHub calls, the world above)

interface Ctx {
  s: Session;
  /** The running example (long-running ones). */
  p: Shell;
  /** The port it listens on, when it is a `listen` (read from its "Listening on" line). */
  port?: number;
}

interface LongRunning {
  /** Printed once it is ready. */
  ready: RegExp;
  /** What a user would do with it running; throws when it does not work. */
  exercise?: (ctx: Ctx) => Promise<void>;
  /** Keep it running for the rest of its README section (the other terminal's commands need it). */
  untilSectionEnd?: boolean;
  /** Ctrl+C reaches only the processes whose command line matches (default: the whole job). */
  interruptOnly?: RegExp;
}

interface ExampleSpec {
  exit?: number;
  /** Why the exit code is not 0 (shown in the test name). */
  why?: string;
  cwd?: 'repo';
  env?: Record<string, string | undefined>;
  /** Stubs for exactly the GitHub requests this example makes (checked after it ran). */
  github?: (gh: FakeGithub, s: Session) => void;
  longRunning?: LongRunning;
  /** Extra checks after it ran (or bookkeeping: giving a new delivery its documented id). */
  after?: (s: Session, result: ShellResult) => void | Promise<void>;
  timeoutMs?: number;
}

const guidIn = (output: string): string => {
  const m = /X-GitHub-Delivery: (\S+)/.exec(output);
  if (!m) throw new Error(`no X-GitHub-Delivery in:\n${output}`);
  return m[1];
};

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `hookctl send ARGS…` as a side step of an exercise (another terminal's command, not the
 * example under test): run in this process, to `port` unless --to says otherwise; the GUID.
 */
async function send(env: NodeJS.ProcessEnv, port: number | undefined, ...args: string[]): Promise<string> {
  const run = inProcess({ ...env, ...(port === undefined ? {} : { HOOKCTL_DEFAULT_PORT: String(port) }) });
  const code = await runCli(run.ctx, ['send', ...args]);
  expect(code, `hookctl send ${args.join(' ')}\n${run.stdout()}${run.stderr()}`).toBe(0);
  return guidIn(run.stdout());
}

/** A `hookctl listen` in this process (another terminal's): its port, what it printed, and Ctrl+C. */
interface InProcessListener {
  port: number;
  stderr(): string;
  stop(): Promise<number>;
}

async function listenInProcess(env: NodeJS.ProcessEnv, options: ListenOptions): Promise<InProcessListener> {
  const run = inProcess(env);
  const abort = new AbortController();
  let onReady!: (info: { port: number }) => void;
  const ready = new Promise<{ port: number }>((resolve) => (onReady = resolve));
  const done = listen(run.ctx, { port: 0, inspect: false, ...options }, { signal: abort.signal, onReady });
  const exitedEarly = done.then((code) => Promise.reject(new Error(`hookctl listen exited ${code} before it was ready:\n${run.stderr()}`)));
  const { port } = await Promise.race([ready, exitedEarly]);
  return {
    port,
    stderr: run.stderr,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

const sendsAndForwards = (path: string) => async ({ s, p, port }: Ctx) => {
  const guid = await send(s.env, port, 'pull_request.opened');
  await p.waitFor(/pull_request\.opened .*✓ valid\s+200/);
  await until(() => s.app.requests.some((r) => r.url === path && r.headers['x-github-delivery'] === guid), `the forward of ${guid} to ${path}`);
  await p.waitFor(/forwarded → 202/);
};

/** What the fake cloudflared wrote about itself: its public URL and where it really listens. */
function tunnel(s: Session): { pid: number; publicUrl: string; localUrl: string } {
  return JSON.parse(readFileSync(s.env.FAKE_CLOUDFLARED_STATE!, 'utf8'));
}

/** GitHub's hookshot: a ping POSTed to the hook's URL through the (fake) tunnel; its status. */
async function hookshotPingStatus(s: Session, payloadUrl: string, secret: string, hookId: number): Promise<number> {
  return (await hookshotPing(payloadUrl, secret, tunnel(s), hookId)).status;
}

/** listen --tunnel --register OWNER/REPO on a fresh repository: create, ping, catch up (nothing), deactivate on exit. */
function newRepoTunnelHook(events: string[]) {
  return (gh: FakeGithub) => {
    gh.stub({ method: 'GET', path: REPO_HOOKS, query: { per_page: '100' } }, { body: [] });
    gh.stub({ method: 'POST', path: REPO_HOOKS, body: (b) => b.config.secret === SECRET && b.events.join() === events.join() }, { status: 201, body: makeHook({ id: 512034, events, secret: true }) });
    gh.stub({ method: 'POST', path: `${REPO_HOOKS}/512034/pings` }, { status: 204 });
    gh.stub({ method: 'GET', path: `${REPO_HOOKS}/512034/deliveries` }, { body: [] });
    gh.stub({ method: 'PATCH', path: `${REPO_HOOKS}/512034`, body: (b) => b.active === false }, { body: makeHook({ id: 512034, events, active: false, secret: true }) });
  };
}

const pingsThroughTheTunnel = (hookId: number, catchUpPath: string) => async ({ s, p }: Ctx) => {
  const [, payloadUrl] = await p.waitFor(/Public payload URL: (\S+)/);
  expect(await hookshotPingStatus(s, payloadUrl, SECRET, hookId)).toBe(200);
  await p.waitFor(/ping .*✓ valid\s+200/);
  await until(() => s.gh.requestsTo('GET', catchUpPath).length > 0, 'catch-up reading the delivery log');
};

const appInfo = () => ({ ...officialExample('apps/get-authenticated'), id: APP_ID, slug: 'dev-bot', name: 'Dev Bot' });
const appConfig = (over: Record<string, string> = {}) => ({ content_type: 'form', insecure_ssl: '0', secret: '********', url: 'https://bot.example.com/github', ...over });

/** listen --tunnel --register-app: borrow the App's webhook, read its (empty) log, put it back. */
function borrowsAppHook(before: { url: string; content_type: string }) {
  return (gh: FakeGithub) => {
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: appConfig(before) });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url.includes('.trycloudflare.com') && b.secret === SECRET }, { body: appConfig() });
    gh.stub({ method: 'GET', path: '/app/hook/deliveries' }, { body: [] });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url === before.url && b.content_type === before.content_type }, { body: appConfig(before) });
  };
}

const appBorrowExercise = async ({ s, p }: Ctx) => {
  await p.waitFor(/Public payload URL: (\S+)/);
  await until(() => s.gh.requestsTo('GET', '/app/hook/deliveries').length > 0, 'catch-up reading the App\'s delivery log');
};

const servesTheInspector = async ({ p }: Ctx) => {
  const [, url] = await p.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  // The cookie the printed URL's token is exchanged for lets the API in.
  const cookie = page.headers.get('set-cookie')!.split(';')[0];
  const api = await fetch(new URL('/api/deliveries', url), { headers: { cookie } });
  const ids = ((await api.json()) as { deliveries: { id: string }[] }).deliveries.map((d) => d.id);
  expect(ids).toEqual(expect.arrayContaining(Object.values(ID)));
};

const SPECS: Record<string, ExampleSpec> = {
  // --- listen
  'hookctl listen': { longRunning: { ready: /Inspector: http/, exercise: async ({ s, p, port }) => {
    await send(s.env, port, 'pull_request.opened');
    await p.waitFor(/pull_request\.opened .*✓ valid\s+200/);
  } } },
  'hookctl listen --port 5000 --forward-to http://localhost:3000/webhooks': { longRunning: { ready: /Inspector: http/, exercise: sendsAndForwards('/webhooks') } },
  'hookctl listen --port 5000 --secret "$SECRET" --forward-to http://localhost:3000/webhooks': { longRunning: { ready: /Inspector: http/, exercise: sendsAndForwards('/webhooks') } },
  'hookctl listen --forward-to push=http://localhost:3000/push --forward-to http://localhost:3000/hooks': {
    longRunning: {
      ready: /Inspector: http/,
      exercise: async ({ s, p, port }) => {
        const push = await send(s.env, port, 'push');
        const pr = await send(s.env, port, 'pull_request.opened');
        await until(() => s.app.requests.some((r) => r.url === '/push' && r.headers['x-github-delivery'] === push), 'the push at /push');
        await until(() => s.app.requests.some((r) => r.url === '/hooks' && r.headers['x-github-delivery'] === pr), 'the pull_request at /hooks');
        expect(s.app.requests.filter((r) => r.headers['x-github-delivery'] === push).map((r) => r.url)).toEqual(['/push']);
        await p.waitFor(new RegExp(`forwarded → 202 \\S+ http://localhost:${s.app.port}/hooks`));
      },
    },
  },
  'hookctl listen --json | jq .event': {
    longRunning: {
      ready: /Inspector: http/,
      // jq in a pipe (not a terminal) holds its output until its input ends, and Ctrl+C would
      // end it first: only hookctl is interrupted, so jq prints what it read.
      interruptOnly: /bin\/hookctl\.js listen/,
      exercise: async ({ s, port }) => void (await send(s.env, port, 'pull_request.opened')),
    },
    after: (_s, r) => expect(r.stdout).toBe('null\n"pull_request"\n'),
  },
  'hookctl listen --tunnel --register octo-org/octo-repo': {
    github: newRepoTunnelHook(['*']),
    longRunning: { ready: /Public payload URL/, exercise: pingsThroughTheTunnel(512034, `${REPO_HOOKS}/512034/deliveries`) },
  },
  'hookctl listen --tunnel --register octo-org/octo-repo --events push,pull_request': {
    github: newRepoTunnelHook(['push', 'pull_request']),
    longRunning: { ready: /Public payload URL/, exercise: pingsThroughTheTunnel(512034, `${REPO_HOOKS}/512034/deliveries`) },
  },
  'hookctl listen --tunnel --register-app --app-id 123456 --private-key ./my-app.private-key.pem': {
    github: borrowsAppHook({ url: 'https://bot.example.com/github', content_type: 'form' }),
    longRunning: { ready: /Public payload URL/, exercise: appBorrowExercise },
  },

  // --- send
  'hookctl send push --secret "$SECRET" --to http://localhost:3000/webhooks': {
    after: (s, r) => expect(s.app.requests.some((q) => q.url === '/webhooks' && q.headers['x-github-delivery'] === guidIn(r.stdout))).toBe(true),
  },

  // --- replay
  'hookctl replay 3f2a --to http://localhost:3000/webhooks': {
    after: (s) => expect(s.app.requests.at(-1)?.headers['x-github-event']).toBe('pull_request'),
  },
  'hookctl replay 6c1a0f00-c9a1-11ef-8d6e-5b1f2d3e4a01 --from-github octo-org/octo-repo --redeliver': {
    github: (gh) => {
      gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github' })] });
      gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries` }, {
        body: [makeDeliverySummary({ id: 22, guid: '6c1a0f00-c9a1-11ef-8d6e-5b1f2d3e4a01', event: 'pull_request', action: 'opened' })],
      });
      gh.stub({ method: 'POST', path: `${REPO_HOOKS}/498012345/deliveries/22/attempts` }, { status: 202, body: {} });
    },
  },

  // --- deliveries
  'hookctl deliveries list --follow': {
    longRunning: {
      ready: /Following /,
      exercise: async ({ s, p }) => {
        // A listener in another terminal (another process than the follower), writing to the same store.
        const other = await listenInProcess(s.env, { store: s.world.store });
        try {
          await send(s.env, undefined, 'push', '--to', `http://127.0.0.1:${other.port}/`);
          await p.waitFor(/push\s+Codertocat\/Hello-World\s+Codertocat\s+valid\s+200/);
        } finally {
          expect(await other.stop(), other.stderr()).toBe(0);
        }
      },
    },
  },
  'hookctl deliveries show 7b61 --raw > payload.json': {
    after: (s) => expect(JSON.parse(readFileSync(join(s.world.work, 'payload.json'), 'utf8')).issue.title).toBe('Crash on start'),
  },
  'hookctl deliveries export 0b1d --format curl --to http://localhost:3000/webhooks | sh': {
    after: (s) => expect(s.app.requests.at(-1)?.body.toString()).toBe(PING_BODY),
  },
  'hookctl deliveries export 7b61 --format fixture > issues.opened.json': {
    after: (s) => expect(JSON.parse(readFileSync(join(s.world.work, 'issues.opened.json'), 'utf8'))).toMatchObject({ event: 'issues', action: 'opened', deliveryId: ISSUES_GUID }),
  },
  'hookctl deliveries pull octo-org/octo-repo --since 1h': {
    github: (gh) => {
      const recent = new Date(Date.now() - 10 * 60_000).toISOString();
      const old = new Date(Date.now() - 5 * 3600_000).toISOString();
      gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github' })] });
      gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries` }, {
        body: [
          makeDeliverySummary({ id: 31, guid: 'e3a1c2b0-c9a1-11ef-8d6e-5b1f2d3e4a01', event: 'issues', action: 'opened', delivered_at: recent }),
          makeDeliverySummary({ id: 30, guid: 'd2b0a1f0-c9a1-11ef-8d6e-5b1f2d3e4a01', event: 'push', action: null, delivered_at: old }),
        ],
      });
      gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries/31` }, {
        body: makeDeliveryDetail({ id: 31, guid: 'e3a1c2b0-c9a1-11ef-8d6e-5b1f2d3e4a01', event: 'issues', action: 'opened', delivered_at: recent, hookId: 498012345 }),
      });
    },
  },
  'hookctl deliveries pull --app --app-id 123456 --private-key ./my-app.private-key.pem': {
    github: (gh) => {
      const d = makeDeliverySummary({ id: 777, guid: 'a1b2c3d4-0000-4000-8000-000000000001', event: 'installation', action: 'created' });
      gh.stub({ method: 'GET', path: '/app/hook/deliveries' }, { body: [d] });
      gh.stub({ method: 'GET', path: '/app/hook/deliveries/777' }, { body: makeDeliveryDetail({ id: 777, guid: d.guid, event: 'installation', action: 'created', hookId: 55 }) });
    },
  },

  // --- register, hooks
  'hookctl register octo-org/octo-repo --url https://example.com/webhooks --events push,pull_request': {
    github: (gh) => {
      gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [] });
      gh.stub({ method: 'POST', path: REPO_HOOKS }, { status: 201, body: makeHook({ id: 498012345, url: 'https://example.com/webhooks', events: ['push', 'pull_request'], secret: true }) });
    },
  },
  'hookctl register --app --app-id 123456 --private-key ./my-app.private-key.pem --url https://example.com/webhooks --secret "$SECRET"': {
    github: (gh) => {
      gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
      gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: appConfig() });
      gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url === 'https://example.com/webhooks' && b.secret === SECRET }, { body: appConfig({ url: 'https://example.com/webhooks', content_type: 'json' }) });
    },
  },
  'hookctl register --org octo-org --url https://example.com/webhooks --events "*"': {
    github: (gh) => {
      gh.stub({ method: 'GET', path: '/orgs/octo-org/hooks' }, { body: [] });
      gh.stub({ method: 'POST', path: '/orgs/octo-org/hooks', body: (b) => b.events.join() === '*' }, { status: 201, body: makeOrgHook({ id: 498012346, url: 'https://example.com/webhooks', events: ['*'] }) });
    },
  },
  'hookctl hooks list octo-org/octo-repo': { github: (gh) => void gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [documentedHook()] }) },
  "hookctl hooks list octo-org/octo-repo --json | jq -r '.[].config.url'": {
    github: (gh) => void gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [documentedHook()] }),
    after: (_s, r) => expect(r.stdout).toBe('https://hooks.example.com/github\n'),
  },
  'hookctl hooks delete octo-org/octo-repo 498012345': { github: (gh) => void gh.stub({ method: 'DELETE', path: `${REPO_HOOKS}/498012345` }, { status: 204 }) },
  'hookctl hooks delete octo-org/octo-repo 498012345 --yes   # without asking first': { github: (gh) => void gh.stub({ method: 'DELETE', path: `${REPO_HOOKS}/498012345` }, { status: 204 }) },
  'hookctl hooks ping octo-org/octo-repo 498012345': { github: (gh) => void gh.stub({ method: 'POST', path: `${REPO_HOOKS}/498012345/pings` }, { status: 204 }) },

  // --- tunnel, inspect
  'hookctl tunnel --port 3000 --path /webhooks': {
    longRunning: {
      ready: /Forwarding requests/,
      exercise: async ({ s, p }) => {
        const t = tunnel(s);
        const res = await fetch(`${t.localUrl}/webhooks`, { method: 'POST', body: PING_BODY, headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(202);
        expect(s.app.requests.at(-1)).toMatchObject({ url: '/webhooks', body: Buffer.from(PING_BODY) });
        await until(() => p.stdout().endsWith('\n'), 'the payload URL on stdout');
        expect(p.stdout()).toBe(`${t.publicUrl}/webhooks\n`);
      },
    },
  },
  'hookctl tunnel --port 3000 --path /webhooks --register octo-org/octo-repo --secret "$SECRET"': {
    github: (gh) => {
      gh.stub({ method: 'GET', path: REPO_HOOKS, query: { per_page: '100' } }, { body: [] });
      gh.stub({ method: 'POST', path: REPO_HOOKS, body: (b) => b.config.secret === SECRET && b.config.url.endsWith('.trycloudflare.com/webhooks') }, { status: 201, body: makeHook({ id: 512034, events: ['*'], secret: true }) });
      gh.stub({ method: 'POST', path: `${REPO_HOOKS}/512034/pings` }, { status: 204 });
      gh.stub({ method: 'PATCH', path: `${REPO_HOOKS}/512034`, body: (b) => b.active === false }, { body: makeHook({ id: 512034, active: false, secret: true }) });
    },
    longRunning: {
      ready: /Forwarding requests/,
      exercise: async ({ s }) => {
        const before = s.app.requests.length;
        expect(await hookshotPingStatus(s, `${tunnel(s).publicUrl}/webhooks`, SECRET, 512034)).toBe(202);
        expect(s.app.requests.slice(before)).toMatchObject([{ url: '/webhooks', headers: { 'x-github-event': 'ping' } }]);
      },
    },
  },
  'hookctl inspect': { longRunning: { ready: /Inspector: http/, exercise: servesTheInspector } },
  // Run with --port 0 (any free port): the inspector it prints serves ./deliveries.db.
  'hookctl inspect --store ./deliveries.db --port 4242': { longRunning: { ready: /Inspector: http/, exercise: servesTheInspector } },

  // --- validate, verify
  'hookctl validate delivery.json --event pull_request.opened': { exit: 1, why: 'delivery.json has 3 schema violations' },
  'hookctl validate delivery.json --event pull_request        # action read from the payload': { exit: 1, why: 'delivery.json has 3 schema violations' },
  'hookctl deliveries show 3f2a --raw | hookctl validate --event pull_request --json': {
    after: (_s, r) => expect(JSON.parse(r.stdout)).toMatchObject({ event: 'pull_request', action: 'opened', valid: true }),
  },
};

/** The repository hook the README's register session ends with. */
function documentedHook() {
  return makeHook({ id: 498012345, url: 'https://hooks.example.com/github', events: ['push', 'pull_request', 'issues'], secret: true, lastResponse: { code: 200, status: 'active', message: 'OK' } });
}

type WorldName = 'all' | 'story' | 'replay' | 'empty';

interface SectionSpec {
  /** The store the section's transcripts come from (default: all five deliveries). */
  world?: WorldName;
  env?: Record<string, string | undefined>;
  /** Before the first command (e.g. what an earlier run left in $HOOKCTL_HOME). */
  before?: (s: Session) => void | Promise<void>;
  /** Per command, in this section only (merged over SPECS). */
  examples?: Record<string, ExampleSpec>;
}

const SECTIONS: Record<string, SectionSpec> = {
  'Quick start': {
    world: 'empty',
    examples: {
      // The checkout's own bin; the prose: a second terminal sends a sample.
      'npm ci && ./bin/hookctl.js listen   # install, build, and start the receiver on 127.0.0.1:5000': {
        cwd: 'repo',
        after: (_s, r) => expect(r.stderr).toMatch(/Stopped after \S+: 1 accepted, 0 rejected\./),
        longRunning: {
          ready: /Inspector: http/,
          exercise: async ({ s, p, port }) => {
            await send(s.env, port, 'pull_request.opened');
            await p.waitFor(/pull_request\.opened .*✓ valid\s+200/);
          },
        },
      },
    },
  },
  'The loop in one minute': {
    world: 'empty',
    examples: {
      // Terminal 1: runs while terminal 2's commands (the next block) use it; Ctrl+C at the end.
      'hookctl listen --forward-to http://localhost:3000/webhooks': { longRunning: { ready: /Inspector: http/, untilSectionEnd: true } },
      // The deliveries just received get the ids the transcript uses.
      'hookctl send pull_request.opened': {
        after: async (s, r) => {
          await waitUntilSettled(s.world.store, guidIn(r.stdout), { forwards: 1, schema: true });
          renameDeliveries(s.world.store, { [guidIn(r.stdout)]: ID.prOpened });
        },
      },
      'HOOKCTL_SECRET=wrong hookctl send push            # the 401 above': {
        exit: 1,
        why: 'the listener answers 401',
        after: (s, r) => renameDeliveries(s.world.store, { [guidIn(r.stdout)]: ID.badPush }),
      },
    },
  },
  'The project file: `hookctl.json`': {
    world: 'empty',
    // The secret is where the file says ($MY_APP_WEBHOOK_SECRET): HOOKCTL_SECRET would win over the file.
    env: { HOOKCTL_SECRET: undefined, MY_APP_WEBHOOK_SECRET: SECRET },
    // The section's hookctl.json, as shown, in the folder its commands run in.
    before: (s) => writeFileSync(join(s.world.work, 'hookctl.json'), placePorts(projectFileShown(), s)),
    examples: {
      'hookctl listen': {
        longRunning: {
          ready: /Inspector: http/,
          exercise: async ({ s, p, port }) => {
            const to = `http://127.0.0.1:${port}/webhooks`;
            const push = await send(s.env, undefined, 'push', '--to', to, '--secret', SECRET);
            const pr = await send(s.env, undefined, 'pull_request.opened', '--to', to, '--secret', SECRET);
            await p.waitFor(/pull_request\.opened .*✓ valid\s+200/);
            await until(() => s.app.requests.some((r) => r.url === '/github/push' && r.headers['x-github-delivery'] === push), 'the push at /github/push');
            await until(() => s.app.requests.some((r) => r.url === '/github/webhooks' && r.headers['x-github-delivery'] === pr), 'the pull_request at /github/webhooks');
            expect(existsSync(join(s.world.work, '.hookctl', 'deliveries.db'))).toBe(true);
          },
        },
      },
      'hookctl send push --config leaky.json': { exit: 2, why: 'a secret in the project file' },
      'hookctl listen --config typo.json': { exit: 2, why: 'an unknown setting in the project file' },
    },
  },
  '`hookctl deliveries`: what was received': { world: 'story' },
  '`hookctl send`: signed sample deliveries': {
    world: 'empty',
    examples: {
      'hookctl send push --secret wrong': { exit: 1, why: 'the listener answers 401' },
      'hookctl send pull_requst': { exit: 2, why: 'unknown event' },
      'hookctl send push --to localhost:5000/': { exit: 2, why: 'a URL without a scheme' },
      "hookctl send push --set 'commits[99].id=x'": { exit: 2, why: '--set cannot build a path' },
      'hookctl send issues.opened --set repository.owner.login.x=1': { exit: 2, why: '--set cannot go through a string' },
    },
  },
  'Sample payloads and `hookctl validate`': {
    world: 'empty',
    examples: {
      'hookctl validate delivery.json --event pull_request      # action read from the payload': { exit: 1, why: 'schema violations' },
      'printf \'{"ref": "refs/heads/main",}\' | hookctl validate --event push': { exit: 2, why: 'not JSON' },
      'hookctl validate delivery.json --event pull_requests': { exit: 2, why: 'unknown event' },
    },
  },
  '`hookctl replay`: stored deliveries, byte for byte, or edited': {
    world: 'replay',
    examples: {
      'hookctl replay aa96 --to http://127.0.0.1:3999/webhooks': { exit: 1, why: 'nothing listens on port 3999' },
    },
  },
  '`hookctl sign` and `hookctl verify`': {
    world: 'empty',
    examples: {
      "printf 'Hello, World!\\n' | hookctl verify --secret \"It's a Secret to Everybody\" --signature sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17": {
        exit: 1,
        why: 'the signature does not match: the newline',
      },
    },
  },
  '`hookctl register` and `hookctl hooks`: the repository webhook': {
    world: 'empty',
    examples: {
      'hookctl register octo-org/octo-repo --url https://hooks.example.com/github --events push,pull_request --ping': {
        github: (gh) => {
          gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [] });
          gh.stub({ method: 'POST', path: REPO_HOOKS, body: (b) => b.config.secret === SECRET }, { status: 201, body: makeHook({ id: 498012345, url: 'https://hooks.example.com/github', events: ['push', 'pull_request'], secret: true }) });
          gh.stub({ method: 'POST', path: `${REPO_HOOKS}/498012345/pings` }, { status: 204 });
        },
      },
      'hookctl register octo-org/octo-repo --url https://hooks.example.com/github --events push,pull_request': {
        github: (gh) => void gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github', events: ['push', 'pull_request'], secret: true })] }),
      },
      'hookctl register octo-org/octo-repo --url https://hooks.example.com/github --events push,pull_request,issues': {
        github: (gh) => {
          gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github', events: ['push', 'pull_request'], secret: true })] });
          gh.stub({ method: 'PATCH', path: `${REPO_HOOKS}/498012345`, body: (b) => b.events.join() === 'push,pull_request,issues' }, { body: documentedHook() });
        },
      },
      'hookctl hooks list octo-org/octo-repo     # no token, no terminal → exit 4': { exit: 4, why: 'no token', env: { GITHUB_TOKEN: undefined } },
    },
  },
  "GitHub's delivery log: `deliveries pull`, `replay --from-github`": {
    world: 'empty',
    examples: {
      'hookctl deliveries pull octo-org/octo-repo': {
        github: (gh) => {
          const pr = { id: 2, guid: '6c1a0f00-c9a1-11ef-8d6e-5b1f2d3e4a01', event: 'pull_request', action: 'opened', delivered_at: '2026-11-22T23:40:12Z', status_code: 200 };
          const push = { id: 1, guid: '5b0e9ef0-c9a1-11ef-9b2c-1a2b3c4d5e6f', event: 'push', action: null, delivered_at: '2026-11-22T23:38:02Z', status_code: 500 };
          gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github' })] });
          gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries`, query: { per_page: '50' } }, {
            body: [{ ...makeDeliverySummary(pr), status: 'OK' }, { ...makeDeliverySummary(push), status: 'Invalid HTTP Response: 500' }],
          });
          const payload = (file: string) => JSON.parse(readFileSync(join(ROOT, 'payloads', file), 'utf8'));
          gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries/2` }, { body: makeDeliveryDetail({ ...pr, payload: payload('pull_request/opened.json'), hookId: 498012345 }) });
          gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries/1` }, { body: { ...makeDeliveryDetail({ ...push, payload: payload('push.json'), hookId: 498012345 }), status: 'Invalid HTTP Response: 500' } });
        },
      },
      'hookctl replay 5b0e9ef0-c9a1-11ef-9b2c-1a2b3c4d5e6f --from-github octo-org/octo-repo --redeliver': {
        github: (gh) => {
          gh.stub({ method: 'GET', path: REPO_HOOKS }, { body: [makeHook({ id: 498012345, url: 'https://hooks.example.com/github' })] });
          gh.stub({ method: 'GET', path: `${REPO_HOOKS}/498012345/deliveries` }, {
            body: [makeDeliverySummary({ id: 1, guid: '5b0e9ef0-c9a1-11ef-9b2c-1a2b3c4d5e6f', event: 'push', action: null, status_code: 500 })],
          });
          gh.stub({ method: 'POST', path: `${REPO_HOOKS}/498012345/deliveries/1/attempts` }, { status: 202, body: {} });
        },
      },
    },
  },
  'Tunnels: GitHub to your laptop, and nothing missed': {
    world: 'empty',
    // No secret in this terminal: hookctl generates one per repository (the transcript says so).
    env: { HOOKCTL_SECRET: undefined },
    // An earlier run created webhook 512034 and kept its generated secret in $HOOKCTL_HOME.
    before: (s) => {
      const home = dirname(s.world.store);
      const key = targetKey(s.gh.url, { kind: 'repo', owner: 'octo-org', repo: 'octo-repo' });
      rememberHook(home, key, { hookId: 512034, url: 'https://amber-orbit-cedar-pixel.trycloudflare.com', generatedSecret: TUNNEL_SECRET, secretFingerprint: secretFingerprint(s.gh.url, 512034, TUNNEL_SECRET) });
    },
    examples: {
      'hookctl listen --tunnel --register octo-org/octo-repo': {
        // The transcript shows cloudflared dying once (the fake's 'die' mode) and the tunnel healing.
        env: { FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_TIMES: '1', FAKE_CLOUDFLARED_DIE_AFTER_MS: '4000' },
        github: (gh) => {
          const hook = (over: Parameters<typeof makeHook>[0] = {}) => makeHook({ id: 512034, events: ['*'], secret: true, ...over });
          gh.stub({ method: 'GET', path: REPO_HOOKS, query: { per_page: '100' } }, { body: [hook({ url: 'https://amber-orbit-cedar-pixel.trycloudflare.com', active: false })] }, { body: [hook()] });
          gh.stub({ method: 'PATCH', path: `${REPO_HOOKS}/512034`, body: (b) => b.active === true && b.config.secret === TUNNEL_SECRET }, { body: hook() }, { body: hook() });
          gh.stub({ method: 'POST', path: `${REPO_HOOKS}/512034/pings` }, { status: 204 });
          // Catch-up: three deliveries GitHub logged while nothing listened; after the restart, nothing new.
          const now = Date.now();
          const missed = [3, 2, 1].map((n) => makeDeliverySummary({ id: 900 + n, guid: `0000000${n}-c9a1-11ef-8d6e-5b1f2d3e4a01`, event: 'push', action: null, status_code: 502, delivered_at: new Date(now - n * 3600_000).toISOString() }));
          gh.stub({ method: 'GET', path: `${REPO_HOOKS}/512034/deliveries` }, { body: missed }, { body: missed });
          for (const n of [1, 2, 3]) gh.stub({ method: 'POST', path: `${REPO_HOOKS}/512034/deliveries/${900 + n}/attempts` }, { status: 202, body: {} });
          gh.stub({ method: 'PATCH', path: `${REPO_HOOKS}/512034`, body: (b) => b.active === false }, { body: hook({ active: false }) });
        },
        longRunning: {
          ready: /Public payload URL/,
          exercise: async ({ s, p }) => {
            const [, payloadUrl] = await p.waitFor(/Public payload URL: (\S+)/);
            expect(await hookshotPingStatus(s, payloadUrl, TUNNEL_SECRET, 512034)).toBe(200);
            await p.waitFor(/ping .*✓ valid\s+200/);
            // cloudflared dies (FAKE_CLOUDFLARED_MODE=die): a new tunnel, the hook re-pointed, catch-up again.
            await p.waitFor(/Tunnel restarted: /, 15_000);
            await p.waitFor(/Re-pointed webhook 512034 [^\n]*\n[^]*Re-pointed webhook 512034/, 10_000);
            await until(() => s.gh.requestsTo('GET', `${REPO_HOOKS}/512034/deliveries`).length === 2, 'the catch-up after the restart');
          },
        },
        timeoutMs: 30_000,
      },
    },
  },
  'GitHub Apps': {
    world: 'empty',
    examples: {
      'hookctl register --app --app-id 123456 --private-key ./dev-bot.private-key.pem --url https://hooks.example.com/github --secret "$SECRET"': {
        github: (gh) => {
          gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
          gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: appConfig() });
          gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url === 'https://hooks.example.com/github' && b.content_type === 'json' && b.secret === SECRET }, { body: appConfig({ url: 'https://hooks.example.com/github', content_type: 'json' }) });
        },
      },
      'hookctl listen --tunnel --register-app': {
        // The App's webhook as the previous command left it.
        github: borrowsAppHook({ url: 'https://hooks.example.com/github', content_type: 'json' }),
        longRunning: { ready: /Public payload URL/, exercise: appBorrowExercise },
      },
      'hookctl register --app --private-key ./other-app.pem --url https://x.example.com/ --secret s': {
        exit: 4,
        why: 'GitHub refuses the JWT: the key is another App\'s',
        after: (s) => expect(s.gh.jwtRefusals).toHaveLength(1),
      },
    },
  },
};

/** The project file the README's section shows (its first json block). */
function projectFileShown(): string {
  const readmeText = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readmeText.slice(readmeText.indexOf('## The project file: `hookctl.json`'));
  const m = /```json\n([^]*?)```/.exec(section);
  if (!m) throw new Error('no json block in the README\'s project file section');
  return m[1];
}

const TUNNEL_SECRET = 'b7c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1';

function specFor(ex: Example): ExampleSpec {
  const section = ex.source === 'readme' ? SECTIONS[ex.section]?.examples?.[ex.command] : undefined;
  return { ...SPECS[ex.command], ...section };
}

// ---------------------------------------------------------------------------------------
// The world

let shimDir: string;
const appKey = rsaKey();
const otherKey = rsaKey();
const stores: Record<Exclude<WorldName, 'empty'>, string> = { all: '', story: '', replay: '' };
let storesDir: string;

/** The working folder's files: the same in every world, built once. */
const FILES = {
  'delivery.json': editedSample(ROOT, 'payloads/pull_request/opened.json', (p) => {
    p.pull_request.number = '12';
    p.pull_request.state = 'draft';
    delete p.pull_request.head.sha;
  }),
  'body.json': PING_BODY,
  'body.txt': 'Hello, World!',
  'my-app.private-key.pem': appKey.privatePem,
  'dev-bot.private-key.pem': appKey.privatePem,
  'other-app.pem': otherKey.privatePem,
};

/** The ports the README names, and what stands for them in every world. */
const DOCUMENTED = { receiver: 5000, app: 3000, refused: 3999 };

/** The receiver ("127.0.0.1:5000"), which also recorded the deliveries of the stores. */
let receiver: InProcessListener | undefined;
/** The app the recorded deliveries were forwarded and replayed to. */
let recordingApp: UserApp | undefined;
/** Real port → the README's, for what every world shares. */
const sharedPorts = new Map<number, number>();

function envFor(world: World, gh: FakeGithub | undefined, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${shimDir}:${FAKE_BIN_DIR}:${process.env.PATH}`,
    HOME: world.home,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    HOOKCTL_SECRET: SECRET,
    SECRET,
    BODY: PING_BODY,
    SIGNATURE: sign(SECRET, PING_BODY),
    GITHUB_TOKEN: TOKEN,
    ...(gh ? { GITHUB_API_URL: gh.url } : {}),
    // Where send and replay go by default (the receiver), and an inspector on any free port.
    HOOKCTL_DEFAULT_PORT: String(receiver!.port),
    HOOKCTL_DEFAULT_INSPECT_PORT: '0',
    FAKE_CLOUDFLARED_STATE: join(world.dir, 'cloudflared.json'),
    FAKE_CLOUDFLARED_NODE: process.execPath,
    // The tunnel's health probes reach the fake through its loopback address.
    HOOKCTL_TEST_TUNNEL_MAP: join(world.dir, 'cloudflared.json'),
    npm_config_update_notifier: 'false',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** One README section, or one help example: a world, a fake GitHub, the app, what runs in the background. */
class Session {
  world!: World;
  gh!: FakeGithub;
  app!: UserApp;
  env!: NodeJS.ProcessEnv;
  /** Where send and replay go by default: the receiver, or the section's own `listen` while it runs. */
  defaultPort!: number;
  /** Real port → the README's, for comparing transcripts. */
  ports!: Map<number, number>;
  /** A port nothing listens on ("127.0.0.1:3999"), taken just before the example that needs it. */
  refusedPort?: number;
  /** Long-running examples kept until the end of the section. */
  background: { ex: Example; spec: ExampleSpec; shell: Shell }[] = [];
  /** `export` lines run so far in the current README block. */
  exports: { block: number; lines: string[] } = { block: -1, lines: [] };

  static async open(name: WorldName, env: Record<string, string | undefined> = {}): Promise<Session> {
    const s = new Session();
    s.world = makeWorld({ files: FILES, links: { payloads: join(ROOT, 'payloads') }, store: name === 'empty' ? undefined : stores[name] });
    const [gh, app] = await Promise.allSettled([startFakeGithub({ app: { appId: APP_ID, publicKey: appKey.publicKey } }), startUserApp()]);
    if (gh.status === 'rejected' || app.status === 'rejected') {
      if (gh.status === 'fulfilled') await gh.value.close();
      if (app.status === 'fulfilled') await app.value.close();
      s.world.cleanup();
      throw gh.status === 'rejected' ? gh.reason : (app as PromiseRejectedResult).reason;
    }
    [s.gh, s.app] = [gh.value, app.value];
    s.env = envFor(s.world, s.gh, env);
    s.defaultPort = receiver!.port;
    s.ports = new Map([...sharedPorts, [s.app.port, DOCUMENTED.app]]);
    return s;
  }

  async close(): Promise<void> {
    for (const b of this.background) b.shell.kill();
    await Promise.all([this.gh.close(), this.app.close()]);
    const t = this.env.FAKE_CLOUDFLARED_STATE!;
    if (existsSync(t)) {
      try {
        process.kill(JSON.parse(readFileSync(t, 'utf8')).pid, 'SIGKILL');
      } catch {
        /* gone, as it should be */
      }
    }
    this.world.cleanup();
  }
}

/** `hookctl listen` and `./bin/hookctl.js listen`: it binds a port of its own. */
const listens = (command: string) => /\bhookctl(?:\.js)? listen\b/.test(command);

/**
 * The README's ports → the world's: the app's for 3000, the session's default target for 5000,
 * the closed port for 3999; a command that listens gets any free port (`--port 0`). Any other
 * port left in the line is an error, so no example ever binds or reaches a fixed port.
 */
function placePorts(command: string, s: Session): string {
  const placed = command
    .replace(/(\bhookctl(?:\.js)? (?:listen|inspect)\b.*?--port )\d+\b/, '$10')
    .replace(/(\bhookctl tunnel\b.*?--port )3000\b/, `$1${s.app.port}`)
    .replace(/\b(localhost|127\.0\.0\.1):(3000|5000|3999)\b/g, (_all, host: string, port: string) => {
      const placedPort = { 3000: s.app.port, 5000: s.defaultPort, 3999: s.refusedPort }[port];
      if (placedPort === undefined) throw new Error(`\`${command}\` names port ${port}, which this world has not placed`);
      return `${host}:${placedPort}`;
    });
  const allowed = new Set([0, s.app.port, s.defaultPort, s.refusedPort]);
  for (const m of placed.matchAll(/(?:--(?:inspect-)?port[ =]|\b(?:localhost|127\.0\.0\.1|\[::1\]):)(\d+)/g)) {
    if (!allowed.has(Number(m[1]))) throw new Error(`\`${command}\` names port ${m[1]}, which no world has: give it one in placePorts()`);
  }
  return placed;
}

/** The port a `listen` printed that it listens on. */
function listeningPort(shell: Shell): number {
  const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(shell.stderr());
  if (!m) throw new Error(`\`${shell.command}\` did not say where it listens:\n${shell.stderr()}`);
  return Number(m[1]);
}

/**
 * The receiver, and in it the deliveries the docs refer to, from real sends and replays (run
 * in this process: they are not what is tested here), given their documented ids. The stores
 * of the worlds are copies of this one.
 */
async function startReceiverAndRecord(): Promise<void> {
  const dir = join(storesDir, 'receiver');
  mkdirSync(dir, { recursive: true });
  recordingApp = await startUserApp();
  const env: NodeJS.ProcessEnv = { HOOKCTL_HOME: dir, HOOKCTL_SECRET: SECRET, LANG: 'C.UTF-8' };
  const store = join(dir, 'deliveries.db');
  receiver = await listenInProcess(env, { store, forwardTo: [`http://localhost:${recordingApp.port}/webhooks`] });
  env.HOOKCTL_DEFAULT_PORT = String(receiver.port);
  const hookctl = async (exit: number, ...args: string[]) => {
    const run = inProcess(env);
    const code = await runCli(run.ctx, args);
    expect(code, `hookctl ${args.join(' ')}\n${run.stdout()}${run.stderr()}`).toBe(exit);
    return run.stdout();
  };
  const pingFile = join(dir, 'ping.json');
  writeFileSync(pingFile, PING_BODY);
  const ping = guidIn(await hookctl(0, 'send', 'ping', '--payload', pingFile));
  const pr = guidIn(await hookctl(0, 'send', 'pull_request.opened'));
  const push = guidIn(await hookctl(1, 'send', 'push', '--secret', 'wrong'));
  await hookctl(0, 'send', 'issues', '--repo', 'acme/widgets', '--sender', 'alice', '--set', 'issue.title=Crash on start', '--delivery-id', ISSUES_GUID);
  const app = `http://localhost:${recordingApp.port}/webhooks`;
  await hookctl(0, 'replay', ISSUES_GUID, '--set', 'issue.title="Crash on start (edited)"', '--to', app);
  await hookctl(0, 'replay', ISSUES_GUID, '--new-delivery-id', '--to', app);
  const pr2 = guidIn(await hookctl(0, 'send', 'pull_request.opened'));
  // The receiver answers first, then forwards and checks the schema: wait until all of it is stored.
  for (const guid of [ping, pr, ISSUES_GUID, pr2]) await waitUntilSettled(store, guid, { forwards: 1, schema: true });
  await waitUntilSettled(store, push, { forwards: 0, schema: false });
  expect(recordingApp.requests.filter((r) => r.url === '/webhooks')).toHaveLength(6); // 4 forwarded, 2 replayed

  const all = join(storesDir, 'all.db');
  await snapshotStore(store, all);
  renameDeliveries(all, { [ping]: ID.ping, [pr]: ID.prOpened, [push]: ID.badPush, [ISSUES_GUID]: ID.issues, [pr2]: ID.prOpened2 });
  stores.all = all;
  stores.story = join(storesDir, 'story.db');
  deriveStore(all, stores.story, [ID.prOpened2]);
  stores.replay = join(storesDir, 'replay.db');
  deriveStore(all, stores.replay, [ID.prOpened2, ID.ping]);
}

// ---------------------------------------------------------------------------------------
// Running one example

function commandLine(ex: Example): string {
  const instead = excluded(ex)?.runInstead;
  return instead ? instead(ex.command) : ex.command;
}

/** Room for the example's own bound, for starting and stopping around it, and for its turn at the gate. */
const testTimeout = (ex: Example) => (specFor(ex).timeoutMs ?? 20_000) + 15_000 + 30_000;

function describeExit(ex: Example): string {
  const spec = specFor(ex);
  return spec.exit ? ` → exit ${spec.exit} (${spec.why})` : '';
}

function describeSetup(ex: Example): string {
  const setup = setupOf(ex);
  return setup.length > 0 ? ` (set up by ${setup.map((st) => `README.md:${st.line} $ ${st.command}`).join('; ')})` : '';
}

/** HOOKCTL_EXAMPLES_OUTPUT=DIR keeps what each example printed (to update a transcript from). */
function keepOutput(ex: Example, output: string): void {
  const dir = process.env.HOOKCTL_EXAMPLES_OUTPUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const name = ex.source === 'readme' ? `README.md-${String(ex.line).padStart(4, '0')}` : ex.where.replace(/ /g, '_');
  appendFileSync(join(dir, `${name}.txt`), `$ ${ex.command}\n${output}\n`);
}

function checkResult(s: Session, ex: Example, spec: ExampleSpec, r: ShellResult & { timedOut?: boolean }): void {
  const output = `--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
  keepOutput(ex, `--- exit ${r.code ?? r.signal}\n${output}`);
  expect(r.timedOut, `\`${ex.command}\` did not end in time (a long-running example needs a ready line and an exercise in SPECS)\n${output}`).toBeFalsy();
  expect(r.code, `\`${ex.command}\` exited ${r.code ?? r.signal}\n${output}`).toBe(spec.exit ?? 0);
  expect(r.stdout + r.stderr, 'a token was printed').not.toContain(TOKEN);
  if ((spec.exit ?? 0) === 0) expect(r.stderr, `\`${ex.command}\` printed an error`).not.toMatch(/^error:/m);
  if (ex.source === 'readme' && ex.shown.length > 0) {
    const missing = missingLines(ex.shown, `${r.stdout}\n${r.stderr}`, s.world.home, s.ports);
    expect(missing, `lines README.md:${ex.line} shows that \`${ex.command}\` did not print (normalized):\n${output}`).toEqual([]);
  }
}

/** A setup step in the shell of the command it sets up; when it fails, the line stops there (exit 125). */
const setupLines = (step: ReadmeExample) => [step.command, `[ $? -eq 0 ] || { echo "setup step README.md:${step.line} failed: ${step.command.replace(/["$`\\]/g, '\\$&')}" >&2; exit 125; }`];

async function runExample(s: Session, ex: Example): Promise<void> {
  const spec = specFor(ex);
  if (/:3999\b/.test(ex.command)) {
    // Taken at the last moment, so that nothing had the time to listen there since.
    s.refusedPort = await closedPort();
    s.ports.set(s.refusedPort, DOCUMENTED.refused);
  }
  const command = placePorts(commandLine(ex), s);
  const setup = setupOf(ex);
  if (ex.source === 'readme' && s.exports.block !== ex.block) s.exports = { block: ex.block, lines: [] };
  const line = [...s.exports.lines, ...setup.flatMap(setupLines), command].join('\n');
  // An `export` stays for the rest of its block, as in a terminal.
  s.exports.lines.push(...setup.filter((st) => isExport(st.command)).map((st) => st.command));
  const cwd = spec.cwd === 'repo' ? ROOT : s.world.work;
  const env: NodeJS.ProcessEnv = { ...s.env, HOOKCTL_DEFAULT_PORT: listens(command) ? '0' : String(s.defaultPort) };
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  spec.github?.(s.gh, s);

  let result: ShellResult & { timedOut?: boolean };
  if (spec.longRunning) {
    const lr = spec.longRunning;
    const shell = new Shell(line, { cwd, env });
    try {
      await shell.waitFor(lr.ready, spec.timeoutMs ?? 20_000);
      const port = listens(command) ? listeningPort(shell) : undefined;
      if (port !== undefined) s.ports.set(port, DOCUMENTED.receiver);
      if (lr.untilSectionEnd) {
        s.background.push({ ex, spec, shell });
        // The other terminal's send and replay now reach this listener.
        if (port !== undefined) s.defaultPort = port;
        return;
      }
      await lr.exercise?.({ s, p: shell, port });
    } catch (err) {
      shell.kill();
      await shell.exited;
      throw err;
    }
    result = await shell.interrupt({ only: lr.interruptOnly });
  } else {
    result = await runShell(line, { cwd, env, timeoutMs: spec.timeoutMs ?? 20_000 });
  }
  checkResult(s, ex, spec, result);
  await spec.after?.(s, result);
  // Cumulative over the section: everything stubbed so far used, nothing unexpected.
  s.gh.assertDone();
}

/** Ctrl+C for what a section kept running, and its transcript. */
async function stopBackground(s: Session): Promise<void> {
  for (const { ex, spec, shell } of s.background.splice(0)) {
    const r = await shell.interrupt({ only: spec.longRunning?.interruptOnly });
    s.defaultPort = receiver!.port;
    checkResult(s, ex, spec, r);
    await spec.after?.(s, r);
  }
  s.gh.assertDone();
}

// ---------------------------------------------------------------------------------------
// The tests

beforeAll(async () => {
  storesDir = mkdtempSync(join(tmpdir(), 'hookctl-examples-stores-'));
  shimDir = hookctlShim(join(storesDir, 'bin'), ROOT);
  await startReceiverAndRecord();
  sharedPorts.set(receiver!.port, DOCUMENTED.receiver);
  sharedPorts.set(recordingApp!.port, DOCUMENTED.app);
}, 60_000);

afterAll(async () => {
  killAll();
  const stopped = await receiver?.stop();
  await recordingApp?.close();
  if (storesDir) rmSync(storesDir, { recursive: true, force: true });
  if (receiver) expect(stopped, `the receiver did not stop cleanly:\n${receiver.stderr()}`).toBe(0);
});

describe('the examples are collected', () => {
  it(`from the help of every command (${help.commands.length} help texts, ${help.examples.length} examples)`, () => {
    expect(help.commands.map((c) => c.join(' '))).toEqual(expect.arrayContaining(['', 'listen', 'deliveries', 'deliveries show', 'hooks ping', 'validate']));
    expect(help.examples.length).toBeGreaterThanOrEqual(45);
    for (const ex of help.examples) expect(ex.command).toMatch(/\bhookctl\b/);
  });

  it(`from README.md (${readme.length} examples)`, () => {
    expect(readme.length).toBeGreaterThanOrEqual(45);
    expect(readme.filter((e) => e.kind === 'console' && e.shown.length > 0).length).toBeGreaterThanOrEqual(30);
    expect(new Set(readme.map((e) => e.section)).size).toBeGreaterThanOrEqual(10);
  });

  const count = (kind: Role['kind']) => allExamples.filter((ex) => roleOf(ex).kind === kind).length;
  it(`${allExamples.length} examples: ${count('checked')} run and checked, ${count('setup')} setup steps of those, ${count('excluded')} excluded with a reason`, () => {
    for (const ex of allExamples) {
      const role = roleOf(ex);
      if (role.kind !== 'setup') continue;
      const where = `README.md:${(ex as ReadmeExample).line} $ ${ex.command}`;
      // It runs in the shell of a command that is checked, in its own block (its terminal).
      expect(role.of, `${where}: a setup step with no command after it in its block`).toBeDefined();
      // Only what prepares the next command: anything else that runs no hookctl is an example to check, or to exclude.
      expect(ex.command, `${where} runs no hookctl, and is neither an export nor a file it writes`).toMatch(/^export \w+=|^printf [^|]*> *[\w.-]+$/);
    }
    expect(count('checked')).toBeGreaterThanOrEqual(95);
  });

  it('every entry of SPECS and SECTIONS names an example that exists', () => {
    for (const command of Object.keys(SPECS)) expect(allExamples.some((e) => e.command === command), `SPECS["${command}"]`).toBe(true);
    for (const [section, spec] of Object.entries(SECTIONS)) {
      expect(readme.some((e) => e.section === section), `SECTIONS["${section}"]`).toBe(true);
      for (const command of Object.keys(spec.examples ?? {})) expect(readme.some((e) => e.section === section && e.command === command), `SECTIONS["${section}"]["${command}"]`).toBe(true);
    }
  });

  it.each(EXCLUDED.map((e) => [e.command.source, e.reason, e] as const))('not run as written: /%s/ (%s)', (_source, _reason, exclusion) => {
    expect(allExamples.filter((e) => exclusion.command.test(e.command))).toHaveLength(1);
    exclusion.check?.();
  });
});

describe.concurrent('help examples', () => {
  for (const ex of help.examples) {
    if (roleOf(ex).kind !== 'checked') continue;
    it(`${ex.where}: ${ex.command}${describeExit(ex)}`, async () => {
      await gate(async () => {
        const s = await Session.open('all');
        try {
          await runExample(s, ex);
        } finally {
          await s.close();
        }
      });
    }, testTimeout(ex));
  }
});

describe.concurrent('README.md examples', () => {
  const sections = [...new Set(readme.map((e) => e.section))];
  for (const section of sections) {
    const examples = readme.filter((e) => e.section === section);
    const checked = examples.filter((e) => roleOf(e).kind === 'checked');
    if (checked.length === 0) continue;
    // Sections run side by side, each in its own world; the commands of one run in order.
    describe(`## ${section}`, { concurrent: true }, () => {
      const spec = SECTIONS[section] ?? {};
      let s: Session;
      beforeAll(async () => {
        s = await Session.open(spec.world ?? 'all', spec.env);
        await spec.before?.(s);
      });
      afterAll(async () => {
        await s?.close();
      });
      for (const ex of checked) {
        it.sequential(`README.md:${ex.line} $ ${ex.command}${describeExit(ex)}${describeSetup(ex)}`, async () => {
          await gate(() => runExample(s, ex));
        }, testTimeout(ex));
      }
      const background = checked.filter((e) => specFor(e).longRunning?.untilSectionEnd);
      if (background.length > 0) {
        it.sequential(`Ctrl+C: ${background.map((e) => e.command).join(', ')} → exit 0, and the transcript as shown`, async () => {
          await gate(() => stopBackground(s));
        }, 60_000);
      }
    });
  }
});
