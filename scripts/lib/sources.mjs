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

/** The OpenAPI document for a platform: 'api.github.com', 'ghec', 'ghes-3.19', … */
export function loadOpenApi(platform = 'api.github.com') {
  const file = join(packageDir('@octokit/openapi-webhooks'), 'generated', `${platform}.json`);
  const openapi = JSON.parse(readFileSync(file, 'utf8'));
  openapi.fixes = fixUnsatisfiable(openapi.components);
  return openapi;
}

/**
 * The description has a few properties no value can satisfy: `{allOf: [{$ref: X}], type:
 * ["null"]}` (an object that must also be null; repository-advisory author/publisher/
 * private_fork). The intent is "X or null", so that is what we validate against.
 * Returns the JSON pointers that were rewritten (the README lists them).
 */
function fixUnsatisfiable(components) {
  const fixed = [];
  const walk = (node, pointer) => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${pointer}/${i}`));
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node.allOf) && Array.isArray(node.type) && node.type.length === 1 && node.type[0] === 'null') {
      node.anyOf = [...node.allOf, { type: 'null' }];
      delete node.allOf;
      delete node.type;
      fixed.push(pointer);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${k}`);
  };
  walk(components, '#/components');
  return fixed;
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
