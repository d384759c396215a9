/**
 * What a webhook belongs to: a repository or an organization, as given on the command line
 * (OWNER/REPO, --org ORG), and the REST path of its hooks.
 */
import { UsageError } from '../../errors.js';

export type HookTarget = { kind: 'repo'; owner: string; repo: string } | { kind: 'org'; org: string };

/** OWNER/REPO → a repository target; throws a UsageError naming the expected shape. */
export function parseRepo(value: string | undefined, flag = 'OWNER/REPO'): HookTarget {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec((value ?? '').trim());
  if (!m || m[2] === '.' || m[2] === '..') {
    throw new UsageError(`expected ${flag} like octo-org/octo-repo, got "${value ?? ''}"`);
  }
  return { kind: 'repo', owner: m[1], repo: m[2].replace(/\.git$/, '') };
}

export function parseOrg(value: string): HookTarget {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(value.trim())) {
    throw new UsageError(`expected an organization login like octo-org, got "${value}"`);
  }
  return { kind: 'org', org: value.trim() };
}

/** "octo-org/octo-repo" or "org octo-org". */
export function describeTarget(target: HookTarget): string {
  return target.kind === 'repo' ? `${target.owner}/${target.repo}` : `org ${target.org}`;
}

export function hooksPath(target: HookTarget): string {
  return target.kind === 'repo'
    ? `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/hooks`
    : `/orgs/${encodeURIComponent(target.org)}/hooks`;
}
