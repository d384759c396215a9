// One consistent world for synthesized samples: the repository, owner, organization, sender
// and installation of the captured examples (Codertocat/Hello-World in the Octocoders org),
// plus deterministic ids, shas, node ids, dates and URLs derived from them.
import { createHash } from 'node:crypto';

export const API = 'https://api.github.com';
export const WEB = 'https://github.com';

/** Deterministic integer in [min, max) from a string. */
export function hashInt(text, min, max) {
  const h = createHash('sha256').update(text).digest();
  return min + (h.readUInt32BE(0) % (max - min));
}

export function hashSha(text) {
  return createHash('sha1').update(text).digest('hex');
}

/** A node id in GitHub's current format: PREFIX_kwDO + base64url bytes. */
export function nodeId(prefix, id) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(id));
  return `${prefix}_kwDO${bytes.toString('base64url').replace(/^A+/, '')}`;
}

const NODE_PREFIX = {
  pull_request: 'PR',
  issue: 'I',
  comment: 'IC',
  label: 'LA',
  milestone: 'MI',
  projects_v2: 'PVT',
  projects_v2_item: 'PVTI',
  projects_v2_status_update: 'PVTSU',
  team: 'T',
  release: 'RE',
  review: 'PRR',
  discussion: 'D',
  alert: 'SSA',
  repository_advisory: 'RA',
  ruleset: 'RRS',
  app: 'A',
  user: 'U',
  enterprise: 'E',
  installation: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u',
};

export function nodePrefix(kind) {
  if (NODE_PREFIX[kind]) return NODE_PREFIX[kind];
  return kind
    .split('_')
    .filter(Boolean)
    .map((w) => w[0].toUpperCase())
    .join('')
    .slice(0, 4);
}

/** Base time of the world: synthesized events happen around here. */
const BASE = Date.parse('2025-06-17T14:26:35Z');

export function isoDate(offsetMinutes = 0) {
  return new Date(BASE + offsetMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createWorld(captures) {
  // The world's core objects come from the captures themselves so that synthesized samples
  // look like their captured neighbours.
  const pick = (fn) => {
    for (const c of captures) {
      const v = fn(c);
      if (v) return structuredClone(v);
    }
    return undefined;
  };
  const repository = pick((c) => (c.repository?.full_name === 'Codertocat/Hello-World' && c.repository?.id === 186853002 && c.repository.owner?.login === 'Codertocat' ? c.repository : undefined));
  const sender = pick((c) => (c.sender?.login === 'Codertocat' ? c.sender : undefined));
  const organization = pick((c) => (c.organization?.login === 'Octocoders' ? c.organization : undefined));
  const installationFull = pick((c) => (c.installation?.account && c.installation.id ? c.installation : undefined));
  const enterprise = {
    id: 1,
    slug: 'octo-enterprise',
    name: 'Octo Enterprise',
    node_id: 'MDEwOkVudGVycHJpc2Ux',
    avatar_url: 'https://avatars.githubusercontent.com/b/1?v=4',
    description: 'The Octo Enterprise.',
    website_url: 'https://octo-enterprise.com',
    html_url: 'https://github.com/enterprises/octo-enterprise',
    created_at: '2019-05-14T19:31:12Z',
    updated_at: '2025-06-01T10:04:51Z',
  };
  return {
    repository,
    owner: repository.owner,
    sender,
    organization,
    installation: { id: 957387, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uOTU3Mzg3' },
    installationFull,
    enterprise,
    fullName: repository.full_name,
    repoApi: `${API}/repos/${repository.full_name}`,
    repoWeb: `${WEB}/${repository.full_name}`,
  };
}
