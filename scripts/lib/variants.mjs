// Named variants of a pair's sample: the same event and action in another state people test
// often (`pull_request.closed:merged`). Each is built from the pair's sample, so it shares its
// world, and is held to the pair's schema like every sample. Also the few fields synthesis
// cannot read from an action's name (a reported advisory is in triage, not published).
import { hashSha } from './world.mjs';

/** A close that merged: every field GitHub sets on a merge, consistent with each other. */
function mergedClose(payload) {
  const pr = payload.pull_request;
  const at = pr.closed_at ?? pr.updated_at;
  Object.assign(pr, {
    state: 'closed',
    draft: false,
    closed_at: at,
    updated_at: at,
    merged: true,
    merged_at: at,
    // Whoever merges is who the event is from.
    merged_by: structuredClone(payload.sender),
    merge_commit_sha: hashSha(`merge:${payload.repository.full_name}#${pr.number}`),
    // After a merge GitHub no longer computes mergeability.
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    auto_merge: null,
  });
  // The merge pushed to the base branch.
  const repo = payload.repository;
  if (typeof repo.pushed_at === 'string' && repo.pushed_at < at) repo.pushed_at = at;
  return payload;
}

export const VARIANTS = [
  {
    event: 'pull_request',
    action: 'closed',
    variant: 'merged',
    description: 'A pull request was merged (closed with merged: true).',
    build: mergedClose,
  },
];

/** payloads/<event>/<action>-<variant>.json (actions never contain "-"). */
export function variantFile({ event, action, variant }) {
  return `${event}/${action}-${variant}.json`;
}

/** A private vulnerability report: in triage, not published, no temporary fork yet. */
function reportedAdvisory(payload) {
  Object.assign(payload.repository_advisory, { state: 'triage', published_at: null, publisher: null, private_fork: null });
  return payload;
}

/** Pair samples whose synthesized state contradicts their action, set right. */
export const ACTION_STATES = {
  'repository_advisory.reported': reportedAdvisory,
};
