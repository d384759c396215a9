// The description as published, next to the repaired reading the shipped schemas use (see
// repairUnsatisfiable in sources.mjs): which samples validate against which, and the lines the
// generator prints about it.
import { createValidator } from './validator.mjs';

const PREFIX = '#/components/schemas/';

/** A repaired pointer as { component, property }: #/components/schemas/X/properties/Y. */
function parts(pointer) {
  const m = /^#\/components\/schemas\/([^/]+)\/properties\/([^/]+)$/.exec(pointer);
  return m ? { component: m[1], property: m[2] } : { component: pointer.slice(PREFIX.length).split('/')[0], property: undefined };
}

/** Component names a component refers to, directly. */
const refsOf = new Map();
function directRefs(openapi, name) {
  if (!refsOf.has(name)) {
    const text = JSON.stringify(openapi.published.components.schemas[name] ?? {});
    refsOf.set(name, [...new Set([...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]))]);
  }
  return refsOf.get(name);
}

/** Does the component reach (itself or through $refs) one of `targets`? */
function reaches(openapi, name, targets) {
  const seen = new Set([name]);
  const queue = [name];
  while (queue.length > 0) {
    const next = queue.shift();
    if (targets.has(next)) return true;
    for (const ref of directRefs(openapi, next)) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      queue.push(ref);
    }
  }
  return false;
}

/**
 * Which samples validate against the description as published. A sample whose schema reaches
 * no repaired component was validated against exactly the published schema already; the others
 * are validated against the published document here, and may fail only at the repaired
 * properties (where any value fails). Returns { failing: keys that fail only there,
 * unexpected: [{ key, errors }] for anything else }.
 */
export function checkAsPublished(openapi, samples) {
  const failing = [];
  const unexpected = [];
  if (openapi.repairs.length === 0) return { failing, unexpected };
  const repaired = openapi.repairs.map((r) => parts(r.pointer));
  const components = new Set(repaired.map((r) => r.component));
  // The value at a repaired property itself (its contents passed the repaired schema already).
  const atRepaired = (e) => repaired.some((r) => r.property && e.instancePath.endsWith(`/${r.property}`));
  const { errorsFor } = createValidator(openapi.published);
  for (const { key, pair, payload } of samples) {
    if (!reaches(openapi, pair.schemaName, components)) continue;
    const errors = errorsFor(pair.schemaName, payload);
    if (errors.length === 0) continue;
    if (errors.every(atRepaired)) failing.push(key);
    else unexpected.push({ key, errors: errors.filter((e) => !atRepaired(e)).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`) });
  }
  return { failing, unexpected };
}

/** The generator's line about the repairs ('' when the description needs none). */
export function repairLine(openapi) {
  if (openapi.repairs.length === 0) return '';
  const list = openapi.repairs.map((r) => `${r.pointer} (${r.refs.join(', ')})`).join(', ');
  return `schemas: unsatisfiable as published ({allOf: [X], type: ["null"]}: null fails X, anything else fails null), read as "X or null": ${list}`;
}

/** The generator's line about samples and the description as published. */
export function publishedLine(total, failing) {
  if (failing.length === 0) return `payloads/: all ${total} samples validate against the description as published`;
  return (
    `payloads/: ${total - failing.length} of ${total} samples validate against the description as published; ` +
    `${failing.join(', ')} fail only at those properties, as any value would`
  );
}
