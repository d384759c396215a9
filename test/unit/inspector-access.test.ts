/** The inspector's access token file in HOOKCTL_HOME: made once 0600, kept, never followed through a link. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessTokenIn, cookieValue } from '../../src/core/inspector/access.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-access-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('accessTokenIn', () => {
  it('makes the token once (0600, in a 0700 folder it creates) and gives the same one after', () => {
    const home = join(dir, 'home');
    const token = accessTokenIn(home);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'inspector-token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'inspector-token'), 'utf8')).toBe(`${token}\n`);
    expect(accessTokenIn(home)).toBe(token);
  });

  it('narrows a file others can read, and replaces one that holds no token', () => {
    const file = join(dir, 'inspector-token');
    writeFileSync(file, `${'d'.repeat(64)}\n`);
    chmodSync(file, 0o644);
    expect(accessTokenIn(dir)).toBe('d'.repeat(64));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'not a token, and longer than one would be: '.repeat(4));
    const fresh = accessTokenIn(dir);
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8')).toBe(`${fresh}\n`);
  });

  it('refuses a symbolic link (it never writes through one) and a folder', () => {
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'keep me');
    const home = join(dir, 'home');
    accessTokenIn(home);
    rmSync(join(home, 'inspector-token'));
    symlinkSync(target, join(home, 'inspector-token'));
    expect(() => accessTokenIn(home)).toThrow(/inspector-token: it is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    rmSync(join(home, 'inspector-token'));
    mkdirSync(join(home, 'inspector-token'));
    expect(() => accessTokenIn(home)).toThrow(/cannot keep the inspector's token in .*inspector-token/);
  });
});

describe('cookieValue', () => {
  it('finds a cookie by its exact name among others', () => {
    expect(cookieValue('a=1; hookctl-inspector-4141=x; hookctl-inspector-41410=y', 'hookctl-inspector-4141')).toBe('x');
    expect(cookieValue('hookctl-inspector-41410=y', 'hookctl-inspector-4141')).toBeNull();
    expect(cookieValue(undefined, 'a')).toBeNull();
  });
});
