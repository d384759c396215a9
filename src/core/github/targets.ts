/**
 * What a webhook belongs to: a repository or an organization, as given on the command line
 * (OWNER/REPO, --org ORG), or a GitHub App (--app: its one webhook); and the REST paths.
 */
import { UsageError } from '../../errors.js';

export type HookTarget = { kind: 'repo'; owner: string; repo: string } | { kind: 'org'; org: string } | { kind: 'app'; appId: number };

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

/** "octo-org/octo-repo", "org octo-org" or "App 12345". */
export function describeTarget(target: HookTarget): string {
  if (target.kind === 'app') return `App ${target.appId}`;
  return target.kind === 'repo' ? `${target.owner}/${target.repo}` : `org ${target.org}`;
}

/** The hooks of a repository or an organization (an App has one webhook, no list). */
export function hooksPath(target: HookTarget): string {
  if (target.kind === 'app') throw new TypeError('a GitHub App has one webhook, not a list of hooks');
  return target.kind === 'repo'
    ? `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/hooks`
    : `/orgs/${encodeURIComponent(target.org)}/hooks`;
}

/** One webhook: a repository's or an organization's hook `hookId`, or the App's webhook. */
export function webhookPath(target: HookTarget, hookId: number): string {
  return target.kind === 'app' ? '/app/hook' : `${hooksPath(target)}/${hookId}`;
}

/** "webhook 42 of octo-org/octo-repo", "the webhook of App 12345". */
export function describeWebhook(target: HookTarget, hookId: number): string {
  return target.kind === 'app' ? `the webhook of App ${target.appId}` : `webhook ${hookId} of ${describeTarget(target)}`;
}
