/**
 * --set PATH=VALUE: change a field that is in the payload (a sample, a --payload file or a
 * stored delivery), or add one new key to an object that is. It never builds containers, pads
 * arrays or turns a value into an object, because a typo would otherwise send a payload nobody
 * asked for: such paths are refused with a UsageError (field `set`) that names the path and what
 * is there.
 * What it did beyond a plain change (a new key, a new type, the URLs that follow a number) is
 * returned as notes for the command to print.
 */
import { UsageError } from '../../errors.js';
import { tooDeepToEdit } from '../webhook/payload.js';
import { closestMatches } from './catalog.js';
import { renumber } from './renumber.js';
import { formatPath, isObject, type Json, type JsonObject, type PathSegment } from './json.js';

/** A --set the payload cannot take: invalid input about --set. */
function refused(message: string): UsageError {
  return new UsageError(message, [], 'set');
}

/** Parse `a.b[0].c` or `a.b.0.c` into segments. */
export function parsePath(path: string): PathSegment[] {
  if (path === '') throw refused('--set needs a field path before "="');
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const re = /([^[\]]+)|\[(\d+)\]/g;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = re.exec(part))) {
      any = true;
      if (m[2] !== undefined) segments.push(Number(m[2]));
      else segments.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    }
    if (!any) throw refused(`--set ${path}: not a field path (use dots and [n], e.g. pull_request.labels[0].name)`);
  }
  return segments;
}

/** `path=value`: the value is JSON when it parses as JSON (true, 42, null, "x", {…}), else a string. */
export function parseAssignment(assignment: string): { path: PathSegment[]; value: Json } {
  const eq = assignment.indexOf('=');
  if (eq === -1) throw refused(`--set expects PATH=VALUE, got "${assignment}"`);
  const raw = assignment.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  const deep = typeof value === 'object' && value !== null ? tooDeepToEdit(raw, 'the value') : null;
  if (deep) throw refused(`--set ${assignment.slice(0, eq)}: ${deep}`);
  return { path: parsePath(assignment.slice(0, eq)), value };
}

type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

function jsonType(value: Json): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** What is there, for a message: `a string ("Codertocat")`, `an array of 2 items`, `null`. */
function describe(value: Json): string {
  const type = jsonType(value);
  if (type === 'null') return 'null';
  if (type === 'object') return 'an object';
  if (type === 'array') return `an array of ${(value as Json[]).length} ${(value as Json[]).length === 1 ? 'item' : 'items'}`;
  const text = typeof value === 'string' && value.length > 40 ? `${JSON.stringify(value.slice(0, 39)).slice(0, -1)}…"` : JSON.stringify(value);
  return `a ${type} (${text})`;
}

function items(n: number): string {
  return `${n} ${n === 1 ? 'item' : 'items'}`;
}

/** The child at path[i] of a container that must hold it (every segment but the last). */
function existingChild(container: JsonObject | Json[], path: PathSegment[], i: number): Json {
  const full = formatPath(path);
  const here = formatPath(path.slice(0, i));
  const seg = path[i];
  if (Array.isArray(container)) {
    if (typeof seg !== 'number') {
      throw refused(`--set ${full}: ${here} is ${describe(container)}, not an object; give an index, e.g. ${formatPath([...path.slice(0, i), 0, ...path.slice(i)])}`);
    }
    if (seg >= container.length) {
      const item = formatPath(path.slice(0, i + 1));
      const append = seg === container.length ? `; to append one, give it whole: --set '${item}={…}'` : '';
      throw refused(`--set ${full}: ${item} is not in the payload (${here} has ${items(container.length)}), and only the last part of a path may be new${append}`);
    }
    return container[seg];
  }
  const key = String(seg);
  if (!Object.hasOwn(container, key)) {
    if (typeof seg === 'number') throw refused(`--set ${full}: ${here || 'the payload'} is an object, not an array`);
    const near = closestMatches(key, Object.keys(container), 3, { closeOnly: true });
    const hint = near.length > 0 ? `; did you mean ${near.map((k) => formatPath([...path.slice(0, i), k])).join(', ')}?` : '';
    throw refused(`--set ${full}: ${formatPath(path.slice(0, i + 1))} is not in the payload, and only the last part of a path may be new${hint}`);
  }
  return container[key];
}

/**
 * Set one field. Every segment but the last must exist and hold an object or array; the last
 * may replace a field, add a key to an object, or append to an array (index = length).
 * Returns notes on what went beyond a plain change.
 */
export function setPath(root: JsonObject, path: PathSegment[], value: Json): string[] {
  let node: JsonObject | Json[] = root;
  for (let i = 0; i < path.length - 1; i++) {
    const child = existingChild(node, path, i);
    if (!isObject(child) && !Array.isArray(child)) {
      const here = formatPath(path.slice(0, i + 1));
      throw refused(`--set ${formatPath(path)}: ${here} is ${describe(child)}, not an object or array; set ${here} itself to replace it`);
    }
    node = child;
  }
  return setLast(root, node, path, value);
}

function setLast(root: JsonObject, container: JsonObject | Json[], path: PathSegment[], value: Json): string[] {
  const full = formatPath(path);
  const seg = path[path.length - 1];
  const parent = formatPath(path.slice(0, -1));
  if (Array.isArray(container)) {
    if (typeof seg !== 'number') {
      throw refused(`--set ${full}: ${parent} is ${describe(container)}, not an object; give an index, e.g. ${formatPath([...path.slice(0, -1), 0, seg])}`);
    }
    if (seg > container.length) {
      throw refused(`--set ${full}: ${parent} has ${items(container.length)}; an index may be at most ${container.length} (which appends), ${seg} would leave a gap`);
    }
    const appended = seg === container.length;
    const old = container[seg];
    container[seg] = value;
    return appended ? [`appended ${full} (not in the payload)`] : typeNotes(full, old, value);
  }
  const key = String(seg);
  if (typeof seg === 'number' && !Object.hasOwn(container, key)) {
    throw refused(`--set ${full}: ${parent || 'the payload'} is an object, not an array`);
  }
  if (!Object.hasOwn(container, key)) {
    container[key] = value;
    return [`added ${full} (not in the payload)`];
  }
  const old = container[key];
  container[key] = value;
  const notes = typeNotes(full, old, value);
  if (key === 'number') notes.push(...renumber(root, path.slice(0, -1), old, value));
  if (full === 'pull_request.merged' && value === true && isObject(root.pull_request) && root.pull_request.merged_by === null) {
    notes.push('pull_request.merged_by, merged_at and merge_commit_sha still describe a close without merge; the pull_request.closed:merged sample is a consistent merge');
  }
  return notes;
}

/** A leaf of another JSON type is allowed (drift on purpose) but said. null ↔ value is how nullable fields change, not drift. */
function typeNotes(full: string, old: Json, value: Json): string[] {
  const before = jsonType(old);
  const after = jsonType(value);
  if (before === after || before === 'null' || after === 'null') return [];
  const quote = before === 'string' && (after === 'number' || after === 'boolean') ? `; for a string, quote it: --set '${full}="${String(value)}"'` : '';
  return [`${full} was ${describe(old)}, now ${describe(value)}${quote}`];
}
