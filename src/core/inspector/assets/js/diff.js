// A structural JSON diff: what was added, removed or changed, at which path, with the values.
// Objects compare by key; arrays by position (a redelivery or the same event on two days keeps
// its arrays' order, so position is what a person means by "the same item").

/** diffJson(before, after) → [{ kind: 'added'|'removed'|'changed', path: [segments], before, after }]. */
export function diffJson(before, after, path = [], changes = []) {
  if (Object.is(before, after)) return changes;
  const beforeKind = kindOf(before);
  if (beforeKind !== kindOf(after) || beforeKind === 'value') {
    changes.push({ kind: 'changed', path, before, after });
    return changes;
  }
  if (beforeKind === 'array') {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i += 1) {
      if (i >= after.length) changes.push({ kind: 'removed', path: [...path, i], before: before[i] });
      else if (i >= before.length) changes.push({ kind: 'added', path: [...path, i], after: after[i] });
      else diffJson(before[i], after[i], [...path, i], changes);
    }
    return changes;
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) changes.push({ kind: 'removed', path: [...path, key], before: before[key] });
    else diffJson(before[key], after[key], [...path, key], changes);
  }
  for (const key of Object.keys(after)) {
    if (!Object.hasOwn(before, key)) changes.push({ kind: 'added', path: [...path, key], after: after[key] });
  }
  return changes;
}

function kindOf(value) {
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object') return 'object';
  return 'value';
}

/**
 * Headers ([name, value] pairs) as an object by name as first received (names compare
 * case-insensitively), for diffing. Names come from a request: the object has no prototype,
 * so `constructor` or `__proto__` are names like any other.
 */
export function headerObject(headers) {
  const result = Object.create(null);
  const names = new Map();
  for (const [name, value] of headers ?? []) {
    const key = names.get(name.toLowerCase()) ?? name;
    names.set(name.toLowerCase(), key);
    result[key] = Object.hasOwn(result, key) ? `${result[key]}, ${value}` : value;
  }
  return result;
}

export function countKinds(changes) {
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const change of changes) counts[change.kind] += 1;
  return counts;
}
