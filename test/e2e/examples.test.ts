/**
 * Every example the documentation shows runs, for real, and does what it says.
 *
 * Collected (so a new example is run without touching this file): each `Examples:` line of
 * `hookctl --help` and of every command's and subcommand's help, each `$ ` line of README.md's
 * console blocks (with the output shown under it) and each hookctl line of its sh blocks.
 *
 * How they run: `sh -c LINE`, exactly as typed, with `hookctl` on PATH running the built CLI,
 * in a "world" like the reader's:
 *
 * | what | where |
 * | --- | --- |
 * | working folder | delivery.json (the README's pull_request payload with 3 schema violations), body.json (a ping body), body.txt (`Hello, World!`), ./my-app.private-key.pem and ./dev-bot.private-key.pem (the key of App 123456), ./other-app.pem (another App's key), ./deliveries.db (a copy of the store), payloads → the repository's payloads/ (the README's `validate payloads/…` runs from a checkout) |
 * | cwd = the repository | `./bin/hookctl.js listen` (Quick start) and `node scripts/generate-catalog.mjs --check` |
 * | HOME | a fresh folder; the store is at the default ~/.local/share/hookctl/deliveries.db |
 * | the store | deliveries received by a real `hookctl listen` from real `hookctl send`s and replays (recorded once, below), renamed to the ids the docs use: 0b1d7c3 ping, aa96de5 pull_request.opened, b5da260 push (401), 7b61d9b issues.opened (forwarded, replayed edited and with a new GUID), 3f2a9e1 pull_request.opened. Help examples get all five; README sections the subset their transcripts show (SECTIONS) |
 * | environment | HOOKCTL_SECRET=s3cret (the README's `export`), SECRET=s3cret, BODY (the ping body), SIGNATURE (its sha256 signature), GITHUB_TOKEN, GITHUB_API_URL → a strict fake GitHub stubbed for exactly what the example does, the fake cloudflared first on PATH |
 * | 127.0.0.1:5000 | a plain `hookctl listen` with the same secret (the "other terminal"), stopped while an example listens there itself |
 * | localhost:3000 | "your app" (127.0.0.1 and ::1), answering 202 |
 *
 * Each help example runs alone in a fresh world. A README section is one session, its
 * commands in order in one world (state carries from one to the next, as for the reader), a
 * console block is one terminal (its `export` lines apply to the commands after them):
 *
 * | README section | its world (SECTIONS) |
 * | --- | --- |
 * | Quick start | no store yet; run from the repository (`./bin/hookctl.js`), `npm ci` excluded |
 * | The loop in one minute | no store yet; terminal 1's `listen` runs while terminal 2's commands use it, then Ctrl+C; what they send gets the ids aa96de5 and b5da260 |
 * | `hookctl deliveries` | 0b1d7c3, aa96de5, b5da260, 7b61d9b |
 * | `hookctl replay` | aa96de5, b5da260, 7b61d9b (`--all` replays three) |
 * | register/hooks, the delivery log, GitHub Apps | the fake GitHub answers each command as GitHub would after the commands before it |
 * | Tunnels | no secret in the environment; $HOOKCTL_HOME remembers webhook 512034 and its generated secret from an earlier run; cloudflared dies once |
 * | send, validate, sign/verify | no store (a section not in SECTIONS gets all five deliveries, like the help examples) |
 *
 * Long-running examples (listen, tunnel, inspect, --follow) are started, exercised (a delivery
 * sent through them, the inspector fetched, a ping through the tunnel, …), stopped with Ctrl+C
 * (SIGINT to the job, as a terminal does) and must exit 0. Exit codes other than 0 are listed
 * with the reason. A README transcript must appear in the real output: every line shown, once
 * ids, times, sizes and the like are normalized; `…` in a shown line stands for anything.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/webhook/signing.js';
import { secretFingerprint } from '../../src/core/github/hooks.js';
import { rememberHook, targetKey } from '../../src/core/github/hookstate.js';
import { collectHelpExamples, collectReadmeExamples, missingLines, type Example } from '../helpers/examples.js';
import { assertPortFree, hookctlShim, killAll, runShell, Shell, type ShellResult } from '../helpers/example-shell.js';
import { deriveStore, editedSample, makeWorld, rsaKey, snapshotStore, startUserApp, type World } from '../helpers/example-world.js';
import { makeDeliveryDetail, makeDeliverySummary, makeHook, makeOrgHook, officialExample, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { hookshotPing } from '../helpers/hookshot.js';
import { renameDeliveries, waitUntilSettled } from '../helpers/store-ids.js';
import { BIN, ROOT } from '../helpers/run-cli.js';

const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));
const SECRET = 's3cret';
const TOKEN = 'ghp_examplesTokenThatMustNeverBePrinted';
const APP_ID = 123456;
const REPO_HOOKS = '/repos/octo-org/octo-repo/hooks';
const PING_BODY = '{"zen":"Keep it logically awesome.","hook_id":1}';

/** The local ids and GUIDs the documentation names. */
const ID = { ping: '0b1d7c3', prOpened: 'aa96de5', badPush: 'b5da260', issues: '7b61d9b', prOpened2: '3f2a9e1' };
const ISSUES_GUID = '5a18b196-4c29-42fd-83f4-e75cb9c40b56';

// ---------------------------------------------------------------------------------------
// Collecting the examples (at load time: the tests are made from them)

const scratch = mkdtempSync(join(tmpdir(), 'hookctl-examples-help-'));
const help = await collectHelpExamples(BIN, { PATH: process.env.PATH, HOME: scratch, NO_COLOR: '1', LANG: 'C.UTF-8' });
rmSync(scratch, { recursive: true, force: true });
const readme = collectReadmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));

/** What is not run, and why (each must still match an example, so none goes stale). */
const EXCLUDED: { command: RegExp; reason: string; runInstead?: (command: string) => string }[] = [
  { command: /^npm ci && /, reason: '`npm ci` is not run (CI runs it); the rest of the line is', runInstead: (c) => c.replace(/^npm ci && /, '') },
  { command: /^node scripts\/generate-catalog\.mjs +# rewrite them$/, reason: 'it rewrites the repository; the --check example runs the same generation into a temp folder' },
];
const excluded = (ex: Example) => EXCLUDED.find((e) => e.command.test(ex.command));

// ---------------------------------------------------------------------------------------
// What each example needs beyond the defaults (exit 0, no GitHub calls, the world above)

interface Ctx {
  s: Session;
  /** The running example (long-running ones). */
  p: Shell;
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
  /** Slow and independent of everything else: started with the file, checked in its turn. */
  early?: boolean;
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

/** `hookctl send …` to the default target as a side step of an exercise; returns the GUID. */
async function send(s: Session, args: string, env: Record<string, string> = {}): Promise<string> {
  const r = await runShell(`hookctl send ${args}`, { cwd: s.world.work, env: { ...s.env, ...env }, timeoutMs: 15_000 });
  expect(r.code, `hookctl send ${args}\n${r.stdout}${r.stderr}`).toBe(0);
  return guidIn(r.stdout);
}

const sendsAndForwards = (path: string) => async ({ s, p }: Ctx) => {
  const guid = await send(s, 'pull_request.opened');
  await p.waitFor(/pull_request\.opened .*✓ signed\s+200/);
  await until(() => app.requests.some((r) => r.url === path && r.headers['x-github-delivery'] === guid), `the forward of ${guid} to ${path}`);
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
  await p.waitFor(/ping .*✓ signed\s+200/);
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

const servesTheInspector = async ({ s, p }: Ctx) => {
  const [, url] = await p.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:\d+\/)/);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const api = await fetch(`${url}api/deliveries`);
  const ids = ((await api.json()) as { deliveries: { id: string }[] }).deliveries.map((d) => d.id);
  expect(ids).toEqual(expect.arrayContaining(Object.values(ID)));
  void s;
};

const SPECS: Record<string, ExampleSpec> = {
  // --- listen
  'hookctl listen': { longRunning: { ready: /Inspector: http/, exercise: async ({ s, p }) => {
    await send(s, 'pull_request.opened');
    await p.waitFor(/pull_request\.opened .*✓ signed\s+200/);
  } } },
  'hookctl listen --port 5000 --forward-to http://localhost:3000/webhooks': { longRunning: { ready: /Inspector: http/, exercise: sendsAndForwards('/webhooks') } },
  'hookctl listen --port 5000 --secret "$SECRET" --forward-to http://localhost:3000/webhooks': { longRunning: { ready: /Inspector: http/, exercise: sendsAndForwards('/webhooks') } },
  'hookctl listen --forward-to push=http://localhost:3000/push --forward-to http://localhost:3000/hooks': {
    longRunning: {
      ready: /Inspector: http/,
      exercise: async ({ s, p }) => {
        const push = await send(s, 'push');
        const pr = await send(s, 'pull_request.opened');
        await until(() => app.requests.some((r) => r.url === '/push' && r.headers['x-github-delivery'] === push), 'the push at /push');
        await until(() => app.requests.some((r) => r.url === '/hooks' && r.headers['x-github-delivery'] === pr), 'the pull_request at /hooks');
        expect(app.requests.filter((r) => r.headers['x-github-delivery'] === push).map((r) => r.url)).toEqual(['/push']);
        await p.waitFor(/forwarded → 202 \S+ http:\/\/localhost:3000\/hooks/);
      },
    },
  },
  'hookctl listen --json | jq .event': {
    longRunning: {
      ready: /Inspector: http/,
      // jq in a pipe (not a terminal) holds its output until its input ends, and Ctrl+C would
      // end it first: only hookctl is interrupted, so jq prints what it read.
      interruptOnly: /bin\/hookctl\.js listen/,
      exercise: async ({ s }) => void (await send(s, 'pull_request.opened')),
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
    after: (_s, r) => expect(app.requests.some((q) => q.url === '/webhooks' && q.headers['x-github-delivery'] === guidIn(r.stdout))).toBe(true),
  },

  // --- replay
  'hookctl replay 3f2a --to http://localhost:3000/webhooks': {
    after: () => expect(app.requests.at(-1)?.headers['x-github-event']).toBe('pull_request'),
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
        // A listener in another terminal, writing to the same store.
        const other = new Shell('hookctl listen --port 0 --no-inspect', { cwd: s.world.work, env: s.env });
        try {
          const [, url] = await other.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
          await send(s, `push --to ${url}`);
          await p.waitFor(/push\s+Codertocat\/Hello-World\s+Codertocat\s+valid\s+200/);
        } finally {
          expect((await other.interrupt()).code).toBe(0);
        }
      },
    },
  },
  'hookctl deliveries show 7b61 --raw > payload.json': {
    after: (s) => expect(JSON.parse(readFileSync(join(s.world.work, 'payload.json'), 'utf8')).issue.title).toBe('Crash on start'),
  },
  'hookctl deliveries export 0b1d --format curl --to http://localhost:3000/webhooks | sh': {
    after: () => expect(app.requests.at(-1)?.body.toString()).toBe(PING_BODY),
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
        expect(app.requests.at(-1)).toMatchObject({ url: '/webhooks', body: Buffer.from(PING_BODY) });
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
        const before = app.requests.length;
        expect(await hookshotPingStatus(s, `${tunnel(s).publicUrl}/webhooks`, SECRET, 512034)).toBe(202);
        expect(app.requests.slice(before)).toMatchObject([{ url: '/webhooks', headers: { 'x-github-event': 'ping' } }]);
      },
    },
  },
  'hookctl inspect': { longRunning: { ready: /Inspector: http/, exercise: servesTheInspector } },
  'hookctl inspect --store ./deliveries.db --port 4242': { longRunning: { ready: /Inspector: http:\/\/127\.0\.0\.1:4242\//, exercise: servesTheInspector } },

  // --- validate, verify
  'hookctl validate delivery.json --event pull_request.opened': { exit: 1, why: 'delivery.json has 3 schema violations' },
  'hookctl validate delivery.json --event pull_request        # action read from the payload': { exit: 1, why: 'delivery.json has 3 schema violations' },
  'hookctl deliveries show 3f2a --raw | hookctl validate --event pull_request --json': {
    after: (_s, r) => expect(JSON.parse(r.stdout)).toMatchObject({ event: 'pull_request', action: 'opened', valid: true }),
  },
  'node scripts/generate-catalog.mjs --check  # fail if the committed output is stale': { cwd: 'repo', early: true, timeoutMs: 150_000 },
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
          exercise: async ({ s, p }) => {
            await send(s, 'pull_request.opened');
            await p.waitFor(/pull_request\.opened .*✓ signed\s+200/);
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
            await p.waitFor(/ping .*✓ signed\s+200/);
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

const TUNNEL_SECRET = 'b7c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1';

function specFor(ex: Example): ExampleSpec {
  const section = ex.source === 'readme' ? SECTIONS[ex.section]?.examples?.[ex.command] : undefined;
  return { ...SPECS[ex.command], ...section };
}

// ---------------------------------------------------------------------------------------
// The world

let app: Awaited<ReturnType<typeof startUserApp>>;
let shimDir: string;
const appKey = rsaKey();
const otherKey = rsaKey();
const stores: Record<Exclude<WorldName, 'empty'>, string> = { all: '', story: '', replay: '' };
let storesDir: string;

const FILES = () => ({
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
});

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

/** One README section, or one help example: a world, a fake GitHub, what runs in the background. */
class Session {
  world!: World;
  gh!: FakeGithub;
  env!: NodeJS.ProcessEnv;
  /** Long-running examples kept until the end of the section. */
  background: { ex: Example; spec: ExampleSpec; shell: Shell }[] = [];
  /** `export` lines run so far in the current README block. */
  exports: { block: number; lines: string[] } = { block: -1, lines: [] };

  static async open(name: WorldName, env: Record<string, string | undefined> = {}): Promise<Session> {
    const s = new Session();
    s.world = makeWorld({ files: FILES(), links: { payloads: join(ROOT, 'payloads') }, store: name === 'empty' ? undefined : stores[name] });
    s.gh = await startFakeGithub({ app: { appId: APP_ID, publicKey: appKey.publicKey } });
    s.env = envFor(s.world, s.gh, env);
    return s;
  }

  async close(): Promise<void> {
    for (const b of this.background) b.shell.kill();
    await this.gh.close();
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

// ---------------------------------------------------------------------------------------
// The receiver on 127.0.0.1:5000 (a plain `hookctl listen` in "another terminal")

let receiverWorld: World;
let receiver: Shell | undefined;
let portHeldBySection = false;

async function ensureReceiver(): Promise<void> {
  if (receiver || portHeldBySection) return;
  receiver = new Shell('hookctl listen --no-inspect', { cwd: receiverWorld.work, env: envFor(receiverWorld, undefined) });
  await receiver.waitFor(/Listening on http:\/\/127\.0\.0\.1:5000\//);
}

async function stopReceiver(): Promise<void> {
  if (!receiver) return;
  const r = await receiver.interrupt();
  receiver = undefined;
  expect(r.code, `the receiver on port 5000 did not stop cleanly:\n${r.stderr}`).toBe(0);
}

const listensOn5000 = (command: string) => /\bhookctl listen\b/.test(command) && !/--port (?!5000\b)\S+/.test(command);
/** send and replay to their default target (or to port 5000 named): someone must listen there. */
const sendsTo5000 = (command: string) =>
  /\bhookctl (send|replay)\b/.test(command) && !/--dry-run|--list|--redeliver/.test(command) && (!/--to\b/.test(command) || /--to \S*:5000\b/.test(command));

/**
 * Records the deliveries the docs refer to, with a real listener and real sends and replays,
 * and gives them their documented ids. The stores of the worlds are copies of this one.
 */
async function recordDeliveries(): Promise<void> {
  const world = makeWorld({ files: {}, links: {} });
  try {
    const env = envFor(world, undefined);
    const listener = new Shell('hookctl listen --forward-to http://localhost:3000/webhooks --no-inspect', { cwd: world.work, env });
    await listener.waitFor(/Listening on http:\/\/127\.0\.0\.1:5000\//);
    const sh = async (line: string, exit = 0) => {
      const r = await runShell(line, { cwd: world.work, env, timeoutMs: 15_000 });
      expect(r.code, `${line}\n${r.stdout}${r.stderr}`).toBe(exit);
      return r.stdout;
    };
    const ping = guidIn(await sh(`printf '%s' '${PING_BODY}' | hookctl send ping --payload -`));
    const pr = guidIn(await sh('hookctl send pull_request.opened'));
    const push = guidIn(await sh('HOOKCTL_SECRET=wrong hookctl send push', 1));
    await sh(`hookctl send issues --repo acme/widgets --sender alice --set issue.title="Crash on start" --delivery-id ${ISSUES_GUID}`);
    await sh(`hookctl replay ${ISSUES_GUID} --set issue.title='"Crash on start (edited)"' --to http://localhost:3000/webhooks`);
    await sh(`hookctl replay ${ISSUES_GUID} --new-delivery-id --to http://localhost:3000/webhooks`);
    const pr2 = guidIn(await sh('hookctl send pull_request.opened'));
    // Ctrl+C finishes the forwards in flight, so every forward is recorded.
    const stopped = await listener.interrupt();
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/4 accepted, 1 rejected, 4 forwarded/);

    const all = join(storesDir, 'all.db');
    await snapshotStore(world.store, all);
    renameDeliveries(all, { [ping]: ID.ping, [pr]: ID.prOpened, [push]: ID.badPush, [ISSUES_GUID]: ID.issues, [pr2]: ID.prOpened2 });
    stores.all = all;
    stores.story = join(storesDir, 'story.db');
    deriveStore(all, stores.story, [ID.prOpened2]);
    stores.replay = join(storesDir, 'replay.db');
    deriveStore(all, stores.replay, [ID.prOpened2, ID.ping]);
  } finally {
    world.cleanup();
  }
}

// ---------------------------------------------------------------------------------------
// Running one example

const early = new Map<Example, Promise<ShellResult & { timedOut: boolean }>>();

function commandLine(ex: Example): string {
  const instead = excluded(ex)?.runInstead;
  return instead ? instead(ex.command) : ex.command;
}

/** Room for the example's own bound, and for starting and stopping around it. */
const testTimeout = (ex: Example) => (specFor(ex).timeoutMs ?? 20_000) + 15_000;

function describeExit(ex: Example): string {
  const spec = specFor(ex);
  return spec.exit ? ` → exit ${spec.exit} (${spec.why})` : '';
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
    const missing = missingLines(ex.shown, `${r.stdout}\n${r.stderr}`, s.world.home);
    expect(missing, `lines README.md:${ex.line} shows that \`${ex.command}\` did not print (normalized):\n${output}`).toEqual([]);
  }
}

async function runExample(s: Session, ex: Example): Promise<void> {
  const spec = specFor(ex);
  const command = commandLine(ex);
  if (ex.source === 'readme') {
    if (s.exports.block !== ex.block) s.exports = { block: ex.block, lines: [] };
  }
  const prelude = ex.source === 'readme' ? s.exports.lines : [];
  const line = [...prelude, command].join('\n');
  const cwd = spec.cwd === 'repo' ? ROOT : s.world.work;
  const env = { ...s.env };
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  spec.github?.(s.gh, s);
  if (listensOn5000(command)) await stopReceiver();
  else if (sendsTo5000(command)) await ensureReceiver();

  let result: ShellResult & { timedOut?: boolean };
  if (spec.early) {
    result = await early.get(ex)!;
  } else if (spec.longRunning) {
    const lr = spec.longRunning;
    const shell = new Shell(line, { cwd, env });
    try {
      await shell.waitFor(lr.ready, spec.timeoutMs ?? 20_000);
      if (lr.untilSectionEnd) {
        s.background.push({ ex, spec, shell });
        if (listensOn5000(command)) portHeldBySection = true;
        return;
      }
      await lr.exercise?.({ s, p: shell });
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
  if (ex.source === 'readme' && /^export /.test(command)) s.exports.lines.push(command);
}

/** Ctrl+C for what a section kept running, and its transcript. */
async function stopBackground(s: Session): Promise<void> {
  for (const { ex, spec, shell } of s.background.splice(0)) {
    const r = await shell.interrupt({ only: spec.longRunning?.interruptOnly });
    if (listensOn5000(ex.command)) portHeldBySection = false;
    checkResult(s, ex, spec, r);
    await spec.after?.(s, r);
  }
  s.gh.assertDone();
}

// ---------------------------------------------------------------------------------------
// The tests

beforeAll(async () => {
  await assertPortFree(5000, '127.0.0.1', 'hookctl listen\'s default port, which send and replay default to');
  await assertPortFree(4242, '127.0.0.1', '`hookctl inspect --port 4242`');
  await assertPortFree(3999, '127.0.0.1', 'the README replays to port 3999 to show a refused connection');
  app = await startUserApp(3000);
  storesDir = mkdtempSync(join(tmpdir(), 'hookctl-examples-stores-'));
  shimDir = hookctlShim(join(storesDir, 'bin'), ROOT);
  // The slow example runs alongside the rest from the start.
  for (const ex of readme) {
    if (specFor(ex).early && !excluded(ex)) {
      early.set(ex, runShell(commandLine(ex), { cwd: specFor(ex).cwd === 'repo' ? ROOT : tmpdir(), env: { PATH: process.env.PATH, HOME: storesDir, LANG: 'C.UTF-8' }, timeoutMs: specFor(ex).timeoutMs ?? 150_000 }));
    }
  }
  await recordDeliveries();
  receiverWorld = makeWorld({ files: {}, links: {} });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([...early.values()]);
  if (receiver) await receiver.interrupt().catch(() => undefined);
  killAll();
  await app?.close();
  receiverWorld?.cleanup();
  if (storesDir) rmSync(storesDir, { recursive: true, force: true });
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

  it('every entry of SPECS and SECTIONS names an example that exists', () => {
    const all = [...help.examples, ...readme];
    for (const command of Object.keys(SPECS)) expect(all.some((e) => e.command === command), `SPECS["${command}"]`).toBe(true);
    for (const [section, spec] of Object.entries(SECTIONS)) {
      expect(readme.some((e) => e.section === section), `SECTIONS["${section}"]`).toBe(true);
      for (const command of Object.keys(spec.examples ?? {})) expect(readme.some((e) => e.section === section && e.command === command), `SECTIONS["${section}"]["${command}"]`).toBe(true);
    }
  });

  it.each(EXCLUDED.map((e) => [e.command.source, e.reason, e] as const))('not run as written: /%s/ (%s)', (_source, _reason, exclusion) => {
    expect([...help.examples, ...readme].filter((e) => exclusion.command.test(e.command))).toHaveLength(1);
  });
});

describe('help examples', () => {
  // Those that listen on port 5000 last, so the receiver there is stopped only once.
  const ordered = [...help.examples.filter((e) => !listensOn5000(e.command)), ...help.examples.filter((e) => listensOn5000(e.command))];
  for (const ex of ordered) {
    it(`${ex.where}: ${ex.command}${describeExit(ex)}`, async () => {
      const s = await Session.open('all');
      try {
        await runExample(s, ex);
      } finally {
        await s.close();
      }
    }, testTimeout(ex));
  }
});

describe('README.md examples', () => {
  const sections = [...new Set(readme.map((e) => e.section))];
  for (const section of sections) {
    describe(`## ${section}`, () => {
      const spec = SECTIONS[section] ?? {};
      let s: Session;
      beforeAll(async () => {
        s = await Session.open(spec.world ?? 'all', spec.env);
        await spec.before?.(s);
      });
      afterAll(async () => {
        await s?.close();
        portHeldBySection = false;
      });
      const examples = readme.filter((e) => e.section === section);
      for (const ex of examples) {
        if (excluded(ex) && !excluded(ex)!.runInstead) continue;
        it(`README.md:${ex.line} $ ${ex.command}${describeExit(ex)}`, async () => {
          await runExample(s, ex);
        }, testTimeout(ex));
      }
      const background = examples.filter((e) => specFor(e).longRunning?.untilSectionEnd);
      if (background.length > 0) {
        it(`Ctrl+C: ${background.map((e) => e.command).join(', ')} → exit 0, and the transcript as shown`, async () => {
          await stopBackground(s);
        });
      }
    });
  }
});
