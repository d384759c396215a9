/**
 * A new `number` for an issue, pull request, discussion, milestone, alert or project: the URLs
 * built from the old number (`…/issues/1`, `…/pull/1.diff`, `…/pulls/1/comments`,
 * `_links.*.href`) move with it, wherever in the payload they name the same object (a comment's
 * `issue_url` too). The top-level `number` of a pull_request payload is the pull request's
 * number and moves with it. What could not be moved is named in a note rather than guessed at.
 */
import { formatPath, isObject, type Json, type JsonObject, type PathSegment } from './json.js';

const COLLECTIONS = 'issues|pull|pulls|discussions|milestone|milestones|alerts|code-scanning|secret-scanning|dependabot|projects';

/** Where an object's own links live: its string fields, `_links.*.href` and an issue's `pull_request` links. */
function ownLinks(object: JsonObject, at: PathSegment[]): { path: PathSegment[]; value: string }[] {
  const out: { path: PathSegment[]; value: string }[] = [];
  const strings = (node: Json, path: PathSegment[]) => {
    if (!isObject(node)) return;
    for (const [k, v] of Object.entries(node)) if (typeof v === 'string') out.push({ path: [...path, k], value: v });
  };
  strings(object, at);
  if (isObject(object._links)) for (const [k, v] of Object.entries(object._links)) strings(v, [...at, '_links', k]);
  strings(object.pull_request, [...at, 'pull_request']);
  return out;
}

function get(root: JsonObject, path: PathSegment[]): Json | undefined {
  let node: Json | undefined = root;
  for (const seg of path) node = isObject(node) ? node[seg] : Array.isArray(node) ? node[seg as number] : undefined;
  return node;
}

/** Rewrite every string of the payload that starts with one of the prefixes; the paths rewritten. */
function rewrite(root: JsonObject, moves: Map<string, string>): PathSegment[][] {
  const moved: PathSegment[][] = [];
  const visit = (node: Json, path: PathSegment[]): Json => {
    if (typeof node === 'string') {
      for (const [from, to] of moves) {
        if (node.startsWith(from) && (node.length === from.length || '/?#.'.includes(node[from.length]))) {
          moved.push(path);
          return to + node.slice(from.length);
        }
      }
      return node;
    }
    if (Array.isArray(node)) return node.map((v, i) => visit(v, [...path, i]));
    if (isObject(node)) for (const k of Object.keys(node)) node[k] = visit(node[k], [...path, k]);
    return node;
  };
  visit(root, []);
  return moved;
}

function moveUrls(root: JsonObject, at: PathSegment[], from: number, to: number): string[] {
  const object = get(root, at);
  if (!isObject(object)) return [];
  const label = at.length > 0 ? formatPath(at) : 'the payload';
  const number = formatPath([...at, 'number']);
  const prefix = new RegExp(`^(https?://[^?#]*?/(${COLLECTIONS}))/${from}(?=$|[/?#.])`);
  const moves = new Map<string, string>();
  const kinds = new Set<string>();
  for (const { value } of ownLinks(object, at)) {
    const m = prefix.exec(value);
    if (m) {
      moves.set(`${m[1]}/${from}`, `${m[1]}/${to}`);
      kinds.add(`/${m[2]}/${from} → /${m[2]}/${to}`);
    }
  }
  const moved = moves.size > 0 ? rewrite(root, moves) : [];
  const notes: string[] = [];
  if (moved.length > 0) {
    const within = (p: PathSegment[]) => p.length > at.length && at.every((seg, i) => p[i] === seg);
    const outside = moved.filter((p) => !within(p)).map(formatPath);
    notes.push(
      `moved ${moved.length} ${moved.length === 1 ? 'URL' : 'URLs'} with ${number}: ${[...kinds].join(', ')}` +
        (outside.length > 0 ? ` (including ${outside.join(', ')})` : ''),
    );
  }
  const stale = new RegExp(`^https?://.*/${from}(?=$|[/?#.])`);
  const left = ownLinks(object, at).filter(({ value }) => stale.test(value));
  if (left.length > 0) notes.push(`left ${left.map((l) => formatPath(l.path)).join(', ')} as ${left.length === 1 ? 'it was' : 'they were'}: /${from} there is not a known link of ${label}; --set ${left.length === 1 ? 'it' : 'them'} if needed`);
  return notes;
}

/** After `<at>.number` changed from `old` to `value`: the URLs and twin number that follow. */
export function renumber(root: JsonObject, at: PathSegment[], old: Json | undefined, value: Json): string[] {
  if (!Number.isInteger(old) || !Number.isInteger(value) || old === value) return [];
  const notes: string[] = [];
  let target = at;
  // pull_request payloads carry the number twice: top-level `number` and `pull_request.number`.
  const pr = root.pull_request;
  if (at.length === 0 && isObject(pr) && pr.number === old) {
    pr.number = value;
    notes.push(`pull_request.number ${old} → ${value} too (the same pull request)`);
    target = ['pull_request'];
  } else if (at.length === 1 && at[0] === 'pull_request' && root.number === old) {
    root.number = value;
    notes.push(`number ${old} → ${value} too (the same pull request)`);
  }
  return [...notes, ...moveUrls(root, target, old as number, value as number)];
}
