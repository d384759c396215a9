/**
 * In a real terminal 60 columns wide (tmux, on a socket of its own in the sandbox), what
 * listen, `deliveries list`, `deliveries list --follow` and `send --list` print to it fits:
 * no line wider than 60 (tmux wraps a longer one; `capture-pane -J` joins it back, so a
 * wrapped line shows here as one wider than 60), and the id, verdict and status are there.
 * stderr goes to a file: its chatter (the store's path, the URLs) is not the table.
 * tmux is a Debian package (.ci/run installs it when it is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/ui/fit.js';
import { BIN, runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';

const WIDTH = 60;
const SECRET = 's3cret';
let box: Sandbox;
let socket: string;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-S', socket, '-f', join(box.dir, 'tmux.conf'), ...args], { env: box.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Run a command in a new 60×30 terminal; its stderr goes to NAME.err. */
function open(name: string, args: string[]): void {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  tmux('new-session', '-d', '-s', name, '-x', String(WIDTH), '-y', '30', `${quoted} 2>'${join(box.dir, `${name}.err`)}'`);
}

/** Every line the terminal shows or scrolled past, wrapped lines joined back. */
function screen(name: string): string[] {
  return tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', name)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
}

async function until<T>(what: string, probe: () => T | undefined, tries = 1200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const exited = (name: string) => tmux('display-message', '-p', '-t', name, '#{pane_dead}').trim() === '1';

function expectFits(lines: string[]): void {
  const wide = lines.filter((l) => displayWidth(l) > WIDTH);
  expect(wide, `lines wider than ${WIDTH}:\n${lines.join('\n')}`).toEqual([]);
}

beforeEach(() => {
  box = sandbox({ HOOKCTL_SECRET: SECRET, LANG: 'C.UTF-8' });
  socket = join(box.dir, 'tmux.sock');
  // The pane stays after its command exits, so what it printed can be read.
  writeFileSync(join(box.dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 5000\n');
});
afterEach(() => {
  spawnSync('tmux', ['-S', socket, 'kill-server'], { env: box.env });
  box.cleanup();
});

describe(`a terminal ${WIDTH} columns wide`, () => {
  it('listen, deliveries list (and --follow) and send --list print no line wider than it', async () => {
    open('listen', ['listen', '--port', '0', '--inspect-port', '0']);
    const errFile = join(box.dir, 'listen.err');
    const url = await until('listen to start', () => (existsSync(errFile) ? /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(readFileSync(errFile, 'utf8'))?.[1] : undefined));
    const sends: string[][] = [
      ['pull_request.opened'],
      ['marketplace_purchase.pending_change_cancelled'],
      ['issues.opened', '--repo', 'a-very-long-organization-name/an-even-longer-repository-name', '--sender', 'someone-with-a-long-login'],
      ['push', '--secret', 'wrong'],
    ];
    for (const args of sends) await runCli(['send', ...args, '--to', url], { env: box.env });
    const shown = await until('four deliveries on the screen', () => {
      const lines = screen('listen');
      return lines.filter((l) => /\b[0-9a-f]{7}\b/.test(l)).length >= 4 ? lines : undefined;
    });
    expectFits(shown);
    expect(shown.join('\n')).toMatch(/marketplace_purchase\.\S*… +[0-9a-f]{7} +✓ valid +200/);
    expect(shown.join('\n')).toMatch(/push +.*[0-9a-f]{7} +✗ invalid +401/);

    open('follow', ['deliveries', 'list', '--follow']);
    await until('--follow to show the four', () => (screen('follow').length >= 5 ? true : undefined));
    await runCli(['send', 'repository_vulnerability_alert.reopen', '--to', url], { env: box.env });
    const followed = await until('--follow to show a fifth', () => {
      const lines = screen('follow');
      return lines.some((l) => l.includes('repository_vulnerability_alert')) ? lines : undefined;
    });
    expectFits(followed);

    open('list', ['deliveries', 'list']);
    await until('deliveries list to finish', () => (exited('list') ? true : undefined));
    const listed = screen('list').filter((l) => !l.startsWith('Pane is dead'));
    expectFits(listed);
    expect(listed[0]).toMatch(/^ID +EVENT +.*SIGNATURE +STATUS/);
    expect(listed.filter((l) => /^[0-9a-f]{7} /.test(l))).toHaveLength(5);

    open('samples', ['send', '--list']);
    await until('send --list to finish', () => (exited('samples') ? true : undefined));
    const samples = screen('samples').filter((l) => !l.startsWith('Pane is dead'));
    expectFits(samples);
    expect(samples.length).toBeGreaterThan(250);
    expect(samples.some((l) => l.startsWith('pull_request.opened *'))).toBe(true);
  }, 60_000);
});
