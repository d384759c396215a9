// JSON paths in the two spellings the page uses: the one people copy into code
// (`pull_request.head.sha`, `labels[0].name`, `["x-y"]`) and JSON Pointer (`/labels/0/name`),
// which schema violations use.

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['pull_request', 'labels', 0, 'name'] → 'pull_request.labels[0].name'. */
export function pathString(segments) {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** ['labels', 0] → '/labels/0'. */
export function toPointer(segments) {
  return segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Every proper ancestor of a pointer ('/a/b/c' → '', '/a', '/a/b'). */
export function ancestors(pointer) {
  const parts = pointer.split('/').slice(1);
  const result = [''];
  for (let i = 1; i < parts.length; i += 1) result.push(`/${parts.slice(0, i).join('/')}`);
  return result;
}

/** '/labels/0/name' → 'labels[0].name' (numeric parts read as indexes). */
export function pointerToPath(pointer) {
  if (!pointer) return '(root)';
  const segments = pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~')).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return pathString(segments);
}
