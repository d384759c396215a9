/**
 * Edits of a sample payload: --repo and --sender rewrite an identity everywhere it appears,
 * --set changes one field (set-path.ts). The payload object is changed in place; callers
 * serialize it and print the notes.
 */
import { UsageError } from '../../errors.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { parseAssignment, setPath } from './set-path.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrite the repository everywhere it is named: every repository object (full_name, name),
 * its owner (login and profile URLs, wherever the owner object appears) and every URL that
 * contains owner/repo. Other people in the payload (sender, authors, assignees) keep their
 * identity even when they are the owner; ids stay as they are.
 */
function rewriteRepository(payload: JsonObject, fullName: string): void {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(fullName);
  if (!m) throw new UsageError(`--repo must look like OWNER/REPO, got "${fullName}"`, [], 'repo');
  const [, newOwner, newName] = m;
  const repo = payload.repository;
  if (!isObject(repo) || typeof repo.full_name !== 'string') {
    throw new UsageError('this payload has no repository to rewrite', [], 'repo');
  }
  const oldFull = repo.full_name;
  const [oldOwner, oldName] = oldFull.split('/');
  const repoPath = new RegExp(`/${escapeRegExp(oldOwner)}/${escapeRegExp(oldName)}(?=$|[/?#.@:{])`, 'g');
  const scp = new RegExp(`:${escapeRegExp(oldOwner)}/${escapeRegExp(oldName)}\\.git$`);
  const ownerPath = new RegExp(`/(users|orgs)/${escapeRegExp(oldOwner)}(?=$|[/?#{])`, 'g');
  const ownerProfile = new RegExp(`^(https?://[^/]+)/${escapeRegExp(oldOwner)}$`);
  const isUrl = (s: string) => /^(https?|git|ssh):\/\//.test(s) || s.startsWith('git@');
  const repoUrls = (s: string) => (isUrl(s) ? s.replace(repoPath, `/${newOwner}/${newName}`).replace(scp, `:${newOwner}/${newName}.git`) : s);

  const visit = (node: Json, key: string): Json => {
    if (typeof node === 'string') return node === oldFull ? fullName : repoUrls(node);
    if (Array.isArray(node)) return node.map((v) => visit(v, key));
    if (!isObject(node)) return node;
    const isAccount = typeof node.login === 'string' && node.id !== undefined;
    if (isAccount) {
      // The owner account, wherever it appears as an owner; anyone else is left alone.
      if ((key === 'owner' || key === 'organization') && node.login === oldOwner) {
        node.login = newOwner;
        for (const k of Object.keys(node)) {
          const v = node[k];
          if (typeof v === 'string' && isUrl(v)) node[k] = v.replace(ownerPath, `/$1/${newOwner}`).replace(ownerProfile, `$1/${newOwner}`);
        }
      }
      return node;
    }
    if (node.full_name === oldFull) node.name = newName;
    for (const k of Object.keys(node)) node[k] = visit(node[k], k);
    return node;
  };
  visit(payload, '');
}

const isBot = (login: string): boolean => login.endsWith('[bot]');
/** Where an account's profile page is: the login, or apps/NAME for NAME[bot]. */
const profilePath = (login: string): string => (isBot(login) ? `apps/${login.slice(0, -'[bot]'.length)}` : login);

/** Rewrite the sender, and every user object that is the same account, with their URLs. */
function rewriteSender(payload: JsonObject, login: string): void {
  if (!/^[A-Za-z0-9-]+(\[bot\])?$/.test(login)) throw new UsageError(`--sender must be a GitHub login, got "${login}"`, [], 'sender');
  const sender = payload.sender;
  if (!isObject(sender) || typeof sender.login !== 'string') throw new UsageError('this payload has no sender to rewrite', [], 'sender');
  const old = sender.login;
  // In URLs a login is percent-encoded (dependabot%5Bbot%5D: brackets are not allowed in a
  // URI path), and a bot's profile is its App's page (https://github.com/apps/dependabot).
  const userPath = new RegExp(`/users/${escapeRegExp(encodeURIComponent(old))}(?=$|[/?#{])`, 'g');
  const htmlProfile = new RegExp(`^(https?://[^/]+)/${escapeRegExp(profilePath(old))}$`);
  const visit = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      if (node.login === old && typeof node.id === 'number') {
        node.login = login;
        if (isBot(login)) node.type = 'Bot';
        else if (node.type === 'Bot') node.type = 'User';
        for (const k of Object.keys(node)) {
          const v = node[k];
          if (typeof v === 'string' && /^https?:\/\//.test(v)) {
            node[k] = v.replace(userPath, `/users/${encodeURIComponent(login)}`).replace(htmlProfile, `$1/${profilePath(login)}`);
          }
        }
      }
      Object.values(node).forEach(visit);
    }
  };
  visit(payload);
}

export interface Edits {
  repo?: string;
  sender?: string;
  set?: string[];
}

export function hasEdits(edits: Edits): boolean {
  return Boolean(edits.repo || edits.sender || (edits.set && edits.set.length > 0));
}

export interface EditResult {
  /** The same object, edited in place. */
  payload: JsonObject;
  /** What an edit did beyond a plain change, for stderr: "added pull_request.foo (not in the payload)". */
  notes: string[];
}

/**
 * Apply --repo, then --sender, then --set (so --set has the last word). A path --set cannot
 * follow throws a UsageError naming it, its field the option it came from (repo, sender, set).
 */
export function applyEdits(payload: JsonObject, edits: Edits): EditResult {
  if (edits.repo) rewriteRepository(payload, edits.repo);
  if (edits.sender) rewriteSender(payload, edits.sender);
  const notes: string[] = [];
  for (const assignment of edits.set ?? []) {
    const { path, value } = parseAssignment(assignment);
    notes.push(...setPath(payload, path, value));
  }
  return { payload, notes };
}

/** X-GitHub-Hook-Installation-Target-Type/-ID for a payload: the repository, else the organization, else the app. */
export function installationTarget(payload: unknown): { type: string; id: number | string } | undefined {
  if (!isObject(payload as Json)) return undefined;
  const p = payload as JsonObject;
  if (isObject(p.repository) && p.repository.id !== undefined) return { type: 'repository', id: p.repository.id as number };
  if (isObject(p.organization) && p.organization.id !== undefined) return { type: 'organization', id: p.organization.id as number };
  if (isObject(p.installation) && isObject(p.installation.account) && p.installation.app_id !== undefined) {
    return { type: 'integration', id: p.installation.app_id as number };
  }
  if (isObject(p.sponsorship) && isObject(p.sponsorship.sponsorable)) return { type: 'sponsors_listing', id: p.sponsorship.sponsorable.id as number };
  if (isObject(p.marketplace_purchase)) return { type: 'marketplace::listing', id: 1 };
  if (isObject(p.business) && p.business.id !== undefined) return { type: 'business', id: p.business.id as number };
  return undefined;
}
