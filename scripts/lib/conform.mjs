// Make a payload conform to its official schema, or build one from nothing, with values a
// developer would expect from a real delivery: the world's repository/sender/organization,
// ids and URLs derived from them, ISO dates, null where GitHub sends null.
//
// conform(schema, value) walks the schema and the value together: present values that fit
// are kept, missing required fields (and, for freshly built objects, optional ones) are
// generated, values of the wrong type or format are replaced. Captured objects seen along
// the way are kept as "donors" so later samples reuse real-looking sub-objects.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { API, WEB, hashInt, hashSha, isoDate, nodeId, nodePrefix } from './world.mjs';

const TOP_OPTIONAL_SKIP = new Set(['enterprise', 'installation']);
/** Generic keys that do not name the kind of object they hold. */
const GENERIC_KEYS = new Set(['head', 'base', 'changes', 'from', 'to', 'links', '_links', 'self', 'html', 'old', 'new', 'previous', 'items', 'properties', 'parameters', 'conditions', 'content']);
const ONE_ITEM_ARRAYS = new Set(['commits', 'repositories', 'repositories_added', 'repositories_removed', 'rules', 'options', 'alerts', 'bypass_actors', 'include', 'exclude', 'events', 'values', 'new_property_values', 'old_property_values', 'allowed_values', 'locations', 'environments', 'required_status_checks', 'workflows', 'ecosystems', 'vulnerabilities', 'identifiers', 'references', 'cwes', 'credits', 'credits_detailed']);
const NULL_OBJECT_KEYS = new Set(['milestone', 'assignee', 'auto_merge', 'performed_via_github_app', 'closed_by', 'merged_by', 'dismissed_by', 'resolved_by', 'pinned_comment', 'parent', 'template_repository', 'active_lock_reason', 'push_protection_bypassed_by', 'push_protection_bypass_request_reviewer', 'push_protection_bypass_request_comment', 'push_protection_bypass_request_html_url', 'answer_chosen_by', 'requested_team', 'dismissal_approved_by', 'assignees_team', 'fixed_in', 'withdrawn_at', 'cvss', 'cvss_severities', 'epss', 'cve_id', 'head_repository']);
const CORE_DATE_KEYS = /^(created_at|updated_at|pushed_at|submitted_at|started_at|published_at|timestamp|first_seen_at|run_started_at|date|due_on|last_used_at|received_at|status_updated_at|added_at)$/;
const TRUE_KEYS = new Set(['active', 'verified', 'has_issues', 'has_projects', 'has_wiki', 'has_downloads', 'has_pages', 'public', 'allow_merge_commit', 'allow_squash_merge', 'allow_rebase_merge', 'mergeable', 'rebaseable', 'distinct', 'enabled', 'strict_required_status_checks_policy', 'required_approving_review_count']);

/** Enum values that read like an ordinary, healthy delivery, when the action says nothing. */
const PREFERRED_ENUM = ['ON_TRACK', 'open', 'active', 'success', 'completed', 'enabled', 'public', 'write'];

/** changes.<field>.from: what the field said before. */
const FROM = {
  title: 'Spelling error in the README',
  body: 'This is the old description.',
  name: 'Hello-World-old',
  login: 'Octocoders-old',
  slug: 'octocoders-old',
  description: 'The old description.',
};

const STRINGS = {
  title: { milestone: 'v1.0', sub_issue: 'Fix the typo in the README', parent_issue: 'Spelling errors in the docs', blocked_issue: 'Publish the docs site', blocking_issue: 'Spelling error in the README file', issue: 'Spelling error in the README file', pull_request: 'Update the README with new information.', projects_v2: 'Roadmap', projects_v2_status_update: 'On track', discussion: 'Welcome to discussions!', repository_advisory: 'Heap overflow in the markdown parser', default: 'Update README.md' },
  name: { type: 'Bug', issue_type: 'Bug', release: 'v1.0.1', tag: 'v1.0.1', package_version: '1.0.1', npm_metadata: 'hello-world-npm', assignee: 'Codertocat', author: 'Codertocat', creator: 'Codertocat', account: 'Codertocat', owner: 'Codertocat', user: 'Codertocat', approver: 'Codertocat', label: 'bug', team: 'Justice League', ruleset: 'main branch protection', repository_ruleset: 'main branch protection', app: 'Octo App', projects_v2: 'Roadmap', environment: 'production', workflow: 'CI', workflow_run: 'CI', workflow_job: 'build', check_run: 'build', package: 'hello-world-npm', registry_package: 'hello-world-npm', property: 'environment', custom_property: 'environment', branch: 'main', option: 'Todo', field: 'Status', default: 'octo-item' },
  body: { projects_v2_status_update: 'Everything is on track for the 2.0 release.', latest_status_update: 'Everything is on track for the 2.0 release.', default: 'This is a pretty simple change that we need to pull into main.' },
  description: { default: 'Keeping our services up to date.', type: "Something isn't working", label: "Something isn't working", team: 'A great team.', repository_advisory: 'A heap overflow in the markdown parser lets a crafted document crash the server.' },
  summary: { default: 'Heap overflow in the markdown parser' },
  state: { default: 'open' },
  ref: { default: 'refs/heads/main' },
  branch: { default: 'main' },
  default_branch: { default: 'main' },
  path: { default: 'README.md' },
  color: { default: 'd73a4a' },
  language: { default: 'Ruby' },
  visibility: { default: 'public' },
  type: { owner: 'User', user: 'User', sender: 'User', organization: 'Organization', default: 'User' },
  context: { default: 'continuous-integration/jenkins' },
  environment: { default: 'production' },
  property_name: { default: 'environment' },
  value: { old_property_value: 'staging', default: 'production' },
  message: { default: 'Update README.md' },
  reason: { default: 'Not a real secret' },
  resolution_comment: { default: 'This token is a test fixture.' },
  secret: { default: 'ghp_Mcn2TZ3KvRTvv7QSdIqgdjpNFaDaXX0Ntsda' },
  secret_type: { default: 'github_personal_access_token' },
  secret_type_display_name: { default: 'GitHub Personal Access Token' },
  validity: { default: 'active' },
  ghsa_id: { default: 'GHSA-rv4r-9w4w-2xx6' },
  cve_id: { default: 'CVE-2025-31415' },
  severity: { default: 'high' },
  ecosystem: { default: 'npm' },
  package_type: { default: 'npm' },
  version: { default: '1.0.1' },
  tag_name: { default: 'v1.0.1' },
  target_commitish: { default: 'main' },
  login: { default: 'Codertocat' },
  slug: { default: 'justice-league' },
  pattern: { default: 'refs/heads/main' },
  key: { default: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7QbVvfCZBo5q4ZQxkSoJnWz5V7xTq6wUfZx3z9' },
  fingerprint: { default: 'd9:7f:2c:9d:4e:1a:83:7b:2e:0c:5d:8f:41:ab:9e:10' },
  permission: { default: 'write' },
  role: { default: 'member' },
  status: { default: 'completed' },
  conclusion: { default: 'success' },
  head_branch: { default: 'changes' },
  event: { default: 'push' },
  category: { default: 'general' },
  content_type: { default: 'Issue' },
  text: { default: 'Everything is on track for the release.' },
  user_view_type: { default: 'public' },
  project_node_id: { default: 'PVT_kwDOAlIw4c4AzqjB' },
  cwe_id: { default: 'CWE-787' },
  commit_title: { default: 'Update the README with new information. (#2)' },
  commit_message: { default: 'Update the README with new information.' },
  installation_command: { default: 'npm install @codertocat/hello-world-npm@1.0.1' },
  namespace: { default: 'codertocat' },
  manifest: { default: '' },
  include: { default: '~DEFAULT_BRANCH' },
  exclude: { default: 'refs/heads/releases/**' },
  source: { default: 'Codertocat/Hello-World' },
  target_type: { default: 'Organization' },
  token_name: { default: 'ci-deploy' },
  custom_pattern_name: { default: 'Internal API key' },
  short_description: { default: 'Planning for the 2.0 release' },
  default_value: { default: 'production' },
  allowed_value: { default: 'production' },
  body_text: { default: 'This is a pretty simple change that we need to pull into main.' },
  body_html: { default: '<p>This is a pretty simple change that we need to pull into main.</p>' },
};

function isStringish(node) {
  const t = node?.type;
  return t === 'string' || (Array.isArray(t) && t.includes('string') && !node.format);
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(key) {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(value, types) {
  const t = typeOf(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

/** ed-stem of an action: closed → clos, milestoned → mileston, added → add. */
function actionStem(action) {
  if (!action) return '';
  return action.replace(/_/g, '').replace(/(ed|d)$/, '');
}

export function createConformer({ openapi, world, fitErrors }) {
  const donors = new Map();
  const ids = new Map();

  function lookup(ref) {
    let node = openapi;
    for (const part of ref.replace(/^#\//, '').split('/')) node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node;
  }

  function idFor(kind) {
    if (!ids.has(kind)) ids.set(kind, hashInt(`id:${kind}`, 100_000_000, 2_900_000_000));
    return ids.get(kind);
  }
  function numberFor(kind) {
    return hashInt(`number:${kind}`, 2, 60);
  }

  function actionWants(key, ctx) {
    const stem = actionStem(ctx.action);
    if (stem.length < 3) return false;
    const k = key.replace(/_/g, '');
    return k.startsWith(stem) || (stem.length >= 5 && k.startsWith(stem.slice(0, 5)));
  }

  /** Path of an object of this kind below the repository (API and web). */
  function kindPath(kind, ctx) {
    const n = numberFor(kind);
    switch (kind) {
      case 'pull_request':
        return { api: `pulls/${n}`, web: `pull/${n}` };
      case 'issue':
      case 'sub_issue':
      case 'parent_issue':
      case 'blocked_issue':
      case 'blocking_issue':
        return { api: `issues/${n}`, web: `issues/${n}` };
      case 'comment':
        return { api: `issues/comments/${idFor(kind)}`, web: `issues/${numberFor('issue')}#issuecomment-${idFor(kind)}` };
      case 'alert': {
        const area = ctx.event.startsWith('dependabot') ? 'dependabot' : ctx.event.startsWith('code_scanning') ? 'code-scanning' : 'secret-scanning';
        return { api: `${area}/alerts/${n}`, web: `security/${area}/${n}` };
      }
      case 'milestone':
        return { api: `milestones/${n}`, web: `milestone/${n}` };
      case 'reactions':
        return { api: `issues/${numberFor('issue')}/reactions`, web: `issues/${numberFor('issue')}` };
      case 'repository_advisory':
        return { api: 'security-advisories/GHSA-rv4r-9w4w-2xx6', web: 'security/advisories/GHSA-rv4r-9w4w-2xx6' };
      case 'ruleset':
      case 'repository_ruleset':
        return { api: `rulesets/${idFor(kind)}`, web: `rules/${idFor(kind)}` };
      default: {
        const plural = kind.replace(/_/g, '-').replace(/([^s])$/, '$1s');
        return { api: `${plural}/${idFor(kind)}`, web: `${plural}/${idFor(kind)}` };
      }
    }
  }

  function genString(key, node, ctx) {
    const kind = ctx.kind;
    const fmt = node.format;
    if (fmt === 'date-time' || /_at$/.test(key) || key === 'timestamp') {
      const offset = key === 'created_at' ? -2880 : key === 'updated_at' ? 0 : key === 'pushed_at' ? -60 : 0;
      return isoDate(offset);
    }
    if (fmt === 'date') return isoDate(0).slice(0, 10);
    if (key === 'node_id') return nodeId(nodePrefix(kind), idFor(kind));
    const orgLevel = ctx.orgLevel;
    const base = orgLevel ? `${API}/orgs/${world.organization.login}` : world.repoApi;
    const webBase = orgLevel ? `${WEB}/orgs/${world.organization.login}` : world.repoWeb;
    if (key === 'url') return `${base}/${kindPath(kind, ctx).api}`;
    if (key === 'html_url') return `${webBase}/${kindPath(kind, ctx).web}`;
    if (key === 'avatar_url') return `https://avatars.githubusercontent.com/u/${world.sender.id}?v=4`;
    if (key === 'repository_url') return world.repoApi;
    if (key === 'blob_url') return `${world.repoApi}/git/blobs/${hashSha(`${kind}:blob_sha`)}`;
    if (key === 'commit_url' && !orgLevel) return `${world.repoApi}/git/commits/${hashSha(`${kind}:commit_sha`)}`;
    if (/_url$/.test(key) || fmt === 'uri' || fmt === 'uri-template') {
      const suffix = key.replace(/_url$/, '').replace(/_/g, '-');
      return `${base}/${kindPath(kind, ctx).api}/${suffix}`;
    }
    if (fmt === 'email' || /email/.test(key)) return `${world.sender.id}+${world.sender.login}@users.noreply.github.com`;
    if (/(^|_)sha$|^after$|^before$|commit_id$|_oid$|^tree_id$|^commit$/.test(key)) return hashSha(`${kind}:${key}`);
    if (key === 'full_name') return world.fullName;
    if (key === 'name' && /(^|_)repo(sitory)?$|^repositories$/.test(kind)) return world.repository.name;
    if (key === 'href') return ctx.parentKey === 'html' ? `${webBase}/${kindPath(kind, ctx).web}` : `${base}/${kindPath(kind, ctx).api}`;
    if (key === 'from') return FROM[ctx.parentKey] ?? `previous ${String(ctx.parentKey).replace(/_/g, ' ')}`;
    const table = STRINGS[key];
    if (table) return table[kind] ?? table.default;
    const examples = node.examples ?? (node.example !== undefined ? [node.example] : []);
    const example = examples.find((e) => typeof e === 'string');
    if (example !== undefined) return example;
    // Nothing known about this field: GitHub sends "" for unset strings.
    return '';
  }

  function genNumber(key, node, ctx, integer) {
    let n;
    if (key === 'id' || /_id$/.test(key)) n = key === 'id' ? idFor(ctx.kind) : key === 'repository_id' ? world.repository.id : key === 'app_id' ? 29310 : idFor(key.replace(/_id$/, ''));
    else if (key === 'number' || /_number$/.test(key)) n = numberFor(ctx.kind);
    else if (ctx.kind === 'reactions' || key === 'total_count') n = 0;
    else if (/count$/.test(key)) n = 1;
    else if (key === 'size') n = 1024;
    else {
      const example = (node.examples ?? []).find((e) => typeof e === 'number');
      n = example ?? 1;
    }
    if (typeof node.minimum === 'number' && n < node.minimum) n = node.minimum;
    if (typeof node.maximum === 'number' && n > node.maximum) n = node.maximum;
    return integer ? Math.round(n) : n;
  }

  function chooseEnum(values, key, ctx) {
    if (ctx.action && values.includes(ctx.action)) return values[values.indexOf(ctx.action)];
    const stem = actionStem(ctx.action);
    if (stem.length >= 3) {
      const hit = values.find((v) => typeof v === 'string' && v.replace(/_/g, '').startsWith(stem));
      if (hit !== undefined) return hit;
    }
    if (key === 'state' && values.includes('open')) return 'open';
    const preferred = PREFERRED_ENUM.find((v) => values.includes(v));
    if (preferred !== undefined) return preferred;
    const nonNull = values.filter((v) => v !== null);
    return nonNull.length > 0 ? nonNull[0] : values[0];
  }

  function preferNull(key, node, ctx) {
    if (actionWants(key, ctx)) return false;
    if (CORE_DATE_KEYS.test(key)) return false;
    if (NULL_OBJECT_KEYS.has(key)) return true;
    if (/_at$/.test(key) && !CORE_DATE_KEYS.test(key)) return true;
    if (/_by$|_comment$|_reason$/.test(key)) return true;
    // A nullable string we know nothing about: GitHub sends null far more often than not.
    if (ctx.fresh && !STRINGS[key] && !/url$|^id$|name$|title$|login$/.test(key) && isStringish(node)) return true;
    return false;
  }

  function childCtx(ctx, key, fresh) {
    return { ...ctx, key, parentKey: ctx.key, fresh, depth: ctx.depth + 1 };
  }

  /** The kind of the object held at ctx.key: its key, unless the key is generic (head, base, …). */
  function objectCtx(ctx) {
    if (!ctx.key || GENERIC_KEYS.has(ctx.key)) return ctx;
    return { ...ctx, kind: ctx.key };
  }

  function nullAllowed(node) {
    if (!node || node === true) return true;
    const t = node.type;
    if (t === 'null' || (Array.isArray(t) && t.includes('null'))) return true;
    if (node.enum && node.enum.includes(null)) return true;
    const alts = node.oneOf ?? node.anyOf;
    if (alts) return alts.some((a) => nullAllowed(a.$ref ? lookup(a.$ref) : a));
    if (node.$ref) return nullAllowed(lookup(node.$ref));
    return false;
  }

  function donorFor(name) {
    switch (name) {
      case 'repository-webhooks':
      case 'repository':
      case 'full-repository':
      case 'minimal-repository':
      case 'simple-repository':
        return world.repository;
      case 'simple-user':
      case 'webhooks_user':
        return world.sender;
      case 'organization-simple-webhooks':
        return world.organization;
      case 'simple-installation':
        return world.installation;
      case 'enterprise-webhooks':
        return world.enterprise;
      default:
        return donors.get(name);
    }
  }

  function conform(node, ptr, value, ctx) {
    if (node === undefined || node === true || (isObject(node) && Object.keys(node).length === 0)) {
      return value === undefined ? {} : value;
    }
    if (value === null && ctx.key && actionWants(ctx.key, ctx) && !ctx.fresh) value = undefined;
    if (node.$ref) {
      const name = node.$ref.split('/').pop();
      let fresh = ctx.fresh;
      if (value === undefined && !(nullAllowed(lookup(node.$ref)) && preferNull(ctx.key, node, ctx))) {
        const donor = donorFor(name);
        if (donor !== undefined) {
          value = structuredClone(donor);
          fresh = false;
        }
      }
      const out = conform(lookup(node.$ref), node.$ref, value, { ...ctx, fresh });
      if (!ctx.fresh && ctx.recordDonors && isObject(out) && !donors.has(name)) donors.set(name, structuredClone(out));
      return out;
    }
    if (node.allOf) {
      let v = value;
      node.allOf.forEach((sub, i) => {
        v = conform(sub, `${ptr}/allOf/${i}`, v, ctx);
      });
      value = v;
    }
    const altKey = node.oneOf ? 'oneOf' : node.anyOf ? 'anyOf' : undefined;
    if (altKey) {
      const alts = node[altKey];
      let index;
      if (value !== undefined) {
        const scores = alts.map((_, i) => fitErrors(`${ptr}/${altKey}/${i}`, value));
        const best = Math.min(...scores);
        if (best === 0 && altKey === 'anyOf') return value;
        if (best === 0 && scores.filter((s) => s === 0).length === 1) return value;
        index = scores.indexOf(best);
      } else {
        const nullIndex = alts.findIndex((a) => a.type === 'null');
        const wantNull = nullIndex !== -1 && preferNull(ctx.key, node, ctx);
        index = wantNull ? nullIndex : alts.findIndex((a) => a.type !== 'null');
        if (index === -1) index = 0;
      }
      value = conform(alts[index], `${ptr}/${altKey}/${index}`, value, ctx);
      if (!node.type && !node.properties && !node.enum && !('const' in node)) return value;
    }
    if ('const' in node) return node.const;
    if (node.enum) {
      if (value !== undefined && node.enum.includes(value)) return value;
      if (typeof value === 'string') {
        const norm = (s) => String(s).toLowerCase().replace(/[^a-z0-9]/g, '');
        const hit = node.enum.find((e) => norm(e) === norm(value));
        if (hit !== undefined) return hit;
      }
      if (value === undefined && node.enum.includes(null) && preferNull(ctx.key, node, ctx)) return null;
      return chooseEnum(node.enum, ctx.key, ctx);
    }
    let types = node.type === undefined ? undefined : [].concat(node.type);
    if (!types) {
      if (node.properties || node.required) types = ['object'];
      else if (node.items) types = ['array'];
      else if (value !== undefined) return value;
      else types = ['string'];
    }
    if (value !== undefined && matchesType(value, types)) {
      if (isObject(value)) return conformObject(node, ptr, value, ctx);
      if (Array.isArray(value)) return conformArray(node, ptr, value, ctx);
      if (typeof value === 'string' && node.format && fullFormats[node.format]) {
        const check = fullFormats[node.format];
        const ok = typeof check === 'function' ? check(value) : check instanceof RegExp ? check.test(value) : check.validate ? (typeof check.validate === 'function' ? check.validate(value) : check.validate.test(value)) : true;
        if (!ok) {
          if (types.includes('null')) return null;
          return genString(ctx.key, node, ctx);
        }
      }
      if (typeof value === 'string' && typeof node.maxLength === 'number' && value.length > node.maxLength) return value.slice(0, node.maxLength);
      return value;
    }
    // Missing, or of the wrong type.
    if (value !== undefined && typeof value === 'number' && types.includes('string') && node.format === 'date-time') {
      return new Date(value * (value < 1e12 ? 1000 : 1)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    if (types.includes('null') && (value === null || (value === undefined && preferNull(ctx.key, node, ctx)))) return null;
    const type = types.find((t) => t !== 'null') ?? 'null';
    switch (type) {
      case 'null':
        return null;
      case 'object':
        return conformObject(node, ptr, {}, { ...ctx, fresh: true });
      case 'array':
        return conformArray(node, ptr, undefined, { ...ctx, fresh: true });
      case 'string':
        return genString(ctx.key, node, ctx);
      case 'integer':
        return genNumber(ctx.key, node, ctx, true);
      case 'number':
        return genNumber(ctx.key, node, ctx, false);
      case 'boolean':
        return TRUE_KEYS.has(ctx.key) || actionWants(ctx.key, ctx);
      default:
        return null;
    }
  }

  function conformObject(node, ptr, obj, parentCtx) {
    const ctx = objectCtx(parentCtx);
    const props = node.properties ?? {};
    const required = new Set(node.required ?? []);
    // Inline copies of the usual objects (users, organizations, repositories) start from the world's.
    if (ctx.fresh && Object.keys(obj).length === 0) {
      const like = inlineLike(props);
      if (like) Object.assign(obj, structuredClone(world[like]));
    }
    if (node.additionalProperties === false) {
      for (const k of Object.keys(obj)) if (!(k in props)) delete obj[k];
    }
    for (const key of Object.keys(props)) {
      const childPtr = `${ptr}/properties/${escapePointer(key)}`;
      if (key in obj) {
        obj[key] = conform(props[key], childPtr, obj[key], childCtx(ctx, key, false));
        continue;
      }
      let include = required.has(key);
      // An issue is not a pull request unless it says so.
      const skipOptional = key === 'pull_request' && /issue/.test(ctx.kind);
      if (!include && ctx.fresh && ctx.depth < 7 && !skipOptional) include = ctx.depth > 0 || !TOP_OPTIONAL_SKIP.has(key);
      if (!include && ctx.depth === 0 && key === 'organization' && ctx.orgLevel) include = true;
      // labeled → label, milestoned → milestone, assigned → assignee: the object the action is about.
      if (!include && ctx.depth === 0 && actionWants(key, ctx)) include = true;
      if (include) obj[key] = conform(props[key], childPtr, undefined, childCtx(ctx, key, true));
    }
    for (const key of required) if (!(key in obj)) obj[key] = null;
    return obj;
  }

  function inlineLike(props) {
    if ('full_name' in props && 'owner' in props) return 'repository';
    if ('login' in props && 'members_url' in props && !('followers_url' in props)) return 'organization';
    if ('login' in props && 'avatar_url' in props && 'id' in props) return 'sender';
    return undefined;
  }

  function conformArray(node, ptr, arr, ctx) {
    const items = node.items;
    if (arr === undefined) {
      const min = node.minItems ?? 0;
      const count = Math.max(min, ONE_ITEM_ARRAYS.has(ctx.key) || actionWants(ctx.key, ctx) ? 1 : 0);
      arr = [];
      for (let i = 0; i < count; i++) arr.push(conform(items, `${ptr}/items`, undefined, { ...ctx, key: singular(ctx.key), fresh: true, depth: ctx.depth + 1 }));
      return arr;
    }
    if (!items) return arr;
    return arr.map((v) => conform(items, `${ptr}/items`, v, { ...ctx, key: singular(ctx.key), depth: ctx.depth + 1 }));
  }

  function singular(key) {
    if (!key) return 'item';
    return key.replace(/ies$/, 'y').replace(/s$/, '');
  }

  /**
   * Conform a top-level payload to `#/components/schemas/<schemaName>`.
   * fresh: build everything optional too (synthesis); otherwise only repair.
   */
  return function conformPayload(schemaName, payload, { event, action, fresh, recordDonors = false }) {
    const ptr = `#/components/schemas/${schemaName}`;
    const schema = lookup(ptr);
    const variants = schema.oneOf ?? [schema];
    const orgLevel = !variants.some((v) => v.properties?.repository);
    const ctx = { key: '', kind: event, event, action, fresh, depth: 0, orgLevel, recordDonors };
    return conform({ $ref: ptr }, ptr, payload, ctx);
  };
}
