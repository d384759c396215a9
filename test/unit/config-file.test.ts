/**
 * The project file's parts: the shipped schema and the key table say the same thing, every key
 * maps to an option its command really declares, line numbers, close matches, and file ↔ flag
 * values both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { closest } from '../../src/config/load.js';
import { jsonLines } from '../../src/config/lines.js';
import { SECTIONS, SETTINGS, SHARED, toFile, toOption } from '../../src/config/keys.js';
import { inProcess } from '../helpers/in-process.js';
import { ROOT } from '../helpers/run-cli.js';

type Schema = { properties: Record<string, { properties?: Record<string, unknown> }> };
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'hookctl-config.schema.json'), 'utf8')) as Schema;

describe('schemas/hookctl-config.schema.json and src/config/keys.ts', () => {
  it('name the same sections and the same keys in each', () => {
    const topLevel = Object.keys(schema.properties).filter((k) => k !== '$schema');
    expect(topLevel.sort()).toEqual([...SHARED, ...Object.keys(SECTIONS)].sort());
    for (const [section, keys] of Object.entries(SECTIONS)) expect(Object.keys(schema.properties[section].properties!).sort(), section).toEqual([...keys].sort());
  });

  it('every key of a section is an option of that command, and every shared key one of some command', () => {
    const program = buildProgram(inProcess().ctx, () => {});
    const byName = (name: string) => program.commands.find((c) => c.name() === name)!;
    const attributes = (c: Command) => c.options.map((o) => o.attributeName());
    for (const [section, keys] of Object.entries(SECTIONS)) {
      for (const key of keys) expect(attributes(byName(section)), `${section}.${key}`).toContain(SETTINGS[key].option);
    }
    const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
    for (const key of SHARED) expect(all(program).some((c) => attributes(c).includes(SETTINGS[key].option)), key).toBe(true);
  });

  it('ships with the package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> };
    expect(pkg.files).toContain('schemas');
    expect(Object.keys(pkg.dependencies)).toContain('ajv');
  });
});

describe('jsonLines', () => {
  it('gives each key and array item its line, escaped keys and nesting included', () => {
    const text = '{\n  "a": 1,\n  "b": {\n    "c/d": [\n      "x",\n      {"e": true}\n    ],\n    "f\\"g": null\n  }\n}\n';
    JSON.parse(text);
    const lines = jsonLines(text);
    expect(Object.fromEntries(lines)).toEqual({ '': 1, '/a': 2, '/b': 3, '/b/c~1d': 4, '/b/c~1d/0': 5, '/b/c~1d/1': 6, '/b/c~1d/1/e': 6, '/b/f"g': 8 });
  });
});

describe('closest', () => {
  it('prefers the same letters in another case or separator, then a small edit', () => {
    const known = Object.keys(SETTINGS);
    expect(closest('forward-to', known)).toBe('forwardTo');
    expect(closest('forward_to', known)).toBe('forwardTo');
    expect(closest('secret_env', known)).toBe('secretEnv');
    expect(closest('evnts', known)).toBe('events');
    expect(closest('inspect-prot', known)).toBe('inspectPort');
    expect(closest('colour', known)).toBeUndefined();
  });
});

describe('file values ↔ flag values', () => {
  it('forwardTo: a URL, a list, or routes per event with "*" for the rest', () => {
    expect(toOption('routes', 'http://a/', '/')).toEqual(['http://a/']);
    expect(toOption('routes', ['http://a/', 'push=http://b/'], '/')).toEqual(['http://a/', 'push=http://b/']);
    expect(toOption('routes', { push: ['http://p1/', 'http://p2/'], 'issues,pull_request': 'http://i/', '*': 'http://rest/' }, '/')).toEqual([
      'push=http://p1/',
      'push=http://p2/',
      'issues,pull_request=http://i/',
      'http://rest/',
    ]);
    const flags = ['push=http://p1/', 'push=http://p2/', 'http://rest/'];
    expect(toOption('routes', toFile('routes', flags), '/')).toEqual(flags);
    expect(toFile('routes', ['http://only/'])).toBe('http://only/');
  });

  it('events, ids and paths', () => {
    expect(toOption('events', ['push', 'pull_request'], '/')).toBe('push,pull_request');
    expect(toFile('events', 'push, pull_request')).toEqual(['push', 'pull_request']);
    expect(toOption('id', 123456, '/')).toBe('123456');
    expect(toFile('id', '123456')).toBe(123456);
    expect(toOption('path', 'data/d.db', '/repo')).toBe(join('/repo', 'data', 'd.db'));
    expect(toOption('path', '/abs/d.db', '/repo')).toBe('/abs/d.db');
  });

  it('timeouts: durations as --timeout and --forward-timeout read them, and back', () => {
    expect(toOption('duration', '10s', '/')).toBe(10_000);
    expect(toOption('duration', '500ms', '/')).toBe(500);
    expect(toOption('duration', '2m', '/')).toBe(120_000);
    expect(toOption('duration', toFile('duration', 2500), '/')).toBe(2500);
    expect(SECTIONS.listen).toContain('forwardTimeout');
    expect(SECTIONS.send).toContain('timeout');
    expect(SECTIONS.replay).toContain('timeout');
  });
});
