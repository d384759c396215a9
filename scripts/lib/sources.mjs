// Readers for the two upstream packages: GitHub's official webhook OpenAPI description
// (@octokit/openapi-webhooks) and the captured examples (@octokit/webhooks-examples).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

export function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
}

/**
 * The OpenAPI document for a platform ('api.github.com', 'ghec', 'ghes-3.19', …) with its
 * unsatisfiable properties repaired (see repairUnsatisfiable); `published` is the document as
 * published, `repairs` what was changed.
 */
export function loadOpenApi(platform = 'api.github.com') {
  const file = join(packageDir('@octokit/openapi-webhooks'), 'generated', `${platform}.json`);
  const text = readFileSync(file, 'utf8');
  const openapi = JSON.parse(text);
  openapi.published = JSON.parse(text);
  openapi.repairs = repairUnsatisfiable(openapi.components);
  return openapi;
}

/** The type keyword of a component, when it excludes null (so null fails it). */
function excludesNull(components, ref) {
  const name = typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
  const type = name ? components.schemas[name]?.type : undefined;
  if (type === undefined) return false;
  return Array.isArray(type) ? !type.includes('null') : type !== 'null';
}

/**
 * A few properties of the description read `{allOf: [{$ref: X}], type: ["null"]}` where X is
 * an object schema (repository-advisory's author, publisher and private_fork). Both must hold:
 * null fails X, and anything else fails type null, so no value is valid and no delivery could
 * pass. The intent is plainly "X or null"; that is what the shipped schemas say. Only nodes whose
 * every allOf member excludes null are rewritten, so a fixed upstream description needs none.
 * Returns [{ pointer, refs }] (the generator prints them, the README quotes them).
 */
function repairUnsatisfiable(components) {
  const repairs = [];
  const walk = (node, pointer) => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${pointer}/${i}`));
    if (node === null || typeof node !== 'object') return;
    const onlyNull = Array.isArray(node.type) && node.type.length === 1 && node.type[0] === 'null';
    if (onlyNull && Array.isArray(node.allOf) && node.allOf.every((sub) => excludesNull(components, sub.$ref))) {
      repairs.push({ pointer, refs: node.allOf.map((sub) => sub.$ref.split('/').pop()) });
      node.anyOf = [...node.allOf, { type: 'null' }];
      delete node.allOf;
      delete node.type;
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${k}`);
  };
  walk(components, '#/components');
  return repairs;
}

/** Captured examples: [{name, description, actions, properties, examples: [...]}]. */
export function loadExamples(platform = 'api.github.com') {
  const file = join(packageDir('@octokit/webhooks-examples'), platform, 'index.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

function firstSentence(text) {
  const clean = text.replace(/\s+/g, ' ').trim();
  const m = /^(.*?[.!?])(\s|$)/.exec(clean);
  return (m ? m[1] : clean).replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
}

/**
 * Every webhook (event.action pair) of the description, in document order:
 * {event, action, description, schemaName}. The action comes from the schema's `action`
 * enum (operationIds spell it with dashes: `pull-request/ready-for-review`).
 */
export function webhookPairs(openapi) {
  const schemas = openapi.components.schemas;
  const pairs = [];
  for (const hook of Object.values(openapi.webhooks)) {
    const post = hook.post;
    const [eventPart, actionPart] = post.operationId.split('/');
    const event = eventPart.replace(/-/g, '_');
    const schemaName = post.requestBody.content['application/json'].schema.$ref.split('/').pop();
    let action = null;
    if (actionPart !== undefined) {
      const schema = schemas[schemaName];
      const variants = schema.oneOf ?? schema.anyOf ?? [schema];
      const en = variants.map((v) => v.properties?.action?.enum).find((e) => Array.isArray(e) && e.length === 1);
      // repository_dispatch: the action is the caller's free-form event_type.
      action = en ? en[0] : actionPart;
    }
    const description = firstSentence(post.description && post.description.length > 0 ? post.description : post.summary);
    pairs.push({ event, action, description, schemaName });
  }
  return pairs;
}
