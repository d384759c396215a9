/**
 * The library's types, checked by `tsc` (npm run typecheck includes this file; nothing runs it):
 * a sample's payload has its event.action's type from @octokit/openapi-webhooks-types, so a
 * path type-checks, and a typo in a name or a path, or a wrong option, does not. Each
 * @ts-expect-error line must be an error, or tsc fails ("unused directive").
 * The same checks against the published declarations run in test/e2e/package.test.ts.
 */
import { Webhooks } from '@octokit/webhooks';
import { forReceive, forVerifyAndReceive, sample, toInject, toRequest, validate, type Delivery, type PayloadOf, type SampleName } from '../../src/lib/index.js';

const opened = sample('pull_request.opened', { secret: 'test-secret', set: { 'pull_request.title': 'Fix' } });
export const number: number = opened.payload.pull_request.number;
export const title: string = opened.payload.pull_request.title;
export const action: 'opened' = opened.payload.action;
export const event: 'pull_request' = opened.event;

// @ts-expect-error a typo in the name
sample('pull_request.opend');
// @ts-expect-error an event that does not exist
sample('pull_requests');
// @ts-expect-error a typo in the path
export const typo = opened.payload.pull_request.numbr;
// @ts-expect-error a push has no pull_request
export const notThere = sample('push').payload.pull_request;
// @ts-expect-error the action is "opened", not "closed"
export const wrongAction: 'closed' = opened.payload.action;
// @ts-expect-error content types are json or form
sample('push', { contentType: 'xml' });
// @ts-expect-error a secret is a string
sample('push', { secret: 42 });

// An event alone is its default action; a variant has its pair's type.
export const bare: PayloadOf<'pull_request.opened'> = sample('pull_request').payload;
export const mergedAt: string | null = sample('pull_request.closed:merged').payload.pull_request.merged_at;
export const commits: number = sample('push').payload.commits.length;
export const comment: string = sample('issue_comment.created').payload.comment.body;

// Generic over names: a helper typed by SampleName keeps the payload's type.
function titled<N extends SampleName>(name: N): Delivery<N> {
  return sample(name, { set: { 'issue.title': 'Crash' } });
}
export const issueNumber: number = titled('issues.opened').payload.issue.number;

// The adapters fit what @octokit/webhooks takes, with the payload's type intact.
const webhooks = new Webhooks({ secret: 'test-secret' });
export const received: Promise<void> = webhooks.receive(forReceive(opened));
export const verified: Promise<void> = webhooks.verifyAndReceive(forVerifyAndReceive(opened));
export const request: Request = toRequest(opened, '/webhooks');
export const injected: Buffer = toInject(opened, '/webhooks').payload;

// validate() takes any name (an event alone reads the action from the payload) and any payload.
export const valid: Promise<boolean> = validate('pull_request', JSON.parse('{}')).then((r) => r.valid);
