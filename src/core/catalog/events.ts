/**
 * Event names: the one parser of event lists (--events, --forward-to EVENT=URL, --event
 * filters) and the one check of a name against GitHub's documented events (the catalog).
 * An unknown name is a usage error with at most three close matches.
 */
import { UsageError } from '../../errors.js';
import { closestMatches, entryName, loadIndex } from './catalog.js';

/** Events whose action is free-form (the sender chooses it). */
const FREE_FORM_ACTIONS = new Set(['repository_dispatch']);

let knownEvents: Set<string> | undefined;
let knownActions: Map<string, Set<string>> | undefined;

function known(): { events: Set<string>; actions: Map<string, Set<string>> } {
  if (!knownEvents || !knownActions) {
    knownEvents = new Set();
    knownActions = new Map();
    for (const e of loadIndex().entries) {
      knownEvents.add(e.event);
      if (e.action !== null) {
        const set = knownActions.get(e.event) ?? new Set<string>();
        set.add(e.action);
        knownActions.set(e.event, set);
      }
    }
  }
  return { events: knownEvents, actions: knownActions };
}

export interface EventNameOptions {
  /** The flag the name came from, for the message ("--events"). */
  flag: string;
  /** Accept event.action (default true). */
  actions?: boolean;
}

/** Check one name ("push", "pull_request.opened"); throws a UsageError for an unknown one. */
export function checkEventName(name: string, options: EventNameOptions): { event: string; action: string | null } {
  const dot = name.indexOf('.');
  const event = dot === -1 ? name : name.slice(0, dot);
  const action = dot === -1 ? null : name.slice(dot + 1);
  const { events, actions } = known();
  if (!events.has(event)) {
    const suggestions = closestMatches(event, [...events], 3);
    throw new UsageError(`${options.flag}: unknown event "${event}"`, [
      `Did you mean: ${suggestions.join(', ')}?`,
      'See every event with `hookctl send --list`.',
    ]);
  }
  if (action !== null) {
    if (options.actions === false) throw new UsageError(`${options.flag}: "${name}" names an action; give the event only (${event})`);
    const documented = actions.get(event);
    if (!documented) throw new UsageError(`${options.flag}: ${event} has no actions; use ${event}`);
    if (!documented.has(action) && !FREE_FORM_ACTIONS.has(event)) {
      const names = [...documented].map((a) => entryName({ event, action: a }));
      throw new UsageError(`${options.flag}: unknown action "${action}" for ${event}`, [`Did you mean: ${closestMatches(name, names, 3).join(', ')}?`]);
    }
  }
  return { event, action };
}

/**
 * "push,pull_request" (commas or spaces) or "*": the checked names, or null for "every event"
 * ("*", or an empty value when `emptyMeansAll`).
 */
export function parseEventList(value: string, options: EventNameOptions & { emptyMeansAll?: boolean }): string[] | null {
  const names = value
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (names.includes('*')) return null;
  if (names.length === 0) {
    if (options.emptyMeansAll) return null;
    throw new UsageError(`${options.flag} needs at least one event, e.g. ${options.flag} push,pull_request (or "*" for all)`);
  }
  for (const name of names) checkEventName(name, options);
  return [...new Set(names)];
}

/** Does a delivery of `event`/`action` match a checked list (null = every event)? */
export function eventMatches(list: readonly string[] | null, event: string | null, action: string | null): boolean {
  if (!list) return true;
  if (!event) return false;
  return list.includes(event) || (action !== null && list.includes(`${event}.${action}`));
}

/** Events only a GitHub App's webhook receives (never a repository's or an organization's hook). */
const APP_ONLY = new Set(['installation', 'installation_repositories', 'installation_target', 'github_app_authorization']);

export function appOnly(event: string): boolean {
  return APP_ONLY.has(event);
}
