/**
 * hookctl as a library: signed GitHub webhook deliveries for your tests, exactly as GitHub sends
 * them, with no network. It sits beside the commands and calls the same core functions they
 * do (one sampler, one signer, one validator, one way to post); it adds only the adapters to
 * what tests use. It never imports ui/, commands/, the context, SQLite or commander, and
 * importing it loads no npm package at all (a test traces it).
 *
 * ```ts
 * import { sample, toRequest } from 'hookctl';
 * const delivery = sample('pull_request.opened', { secret: 'test-secret' });
 * const res = await app.request(toRequest(delivery, '/webhooks'));
 * ```
 * docs/testing.md has complete examples (vitest with Express, Hono, Probot, Fastify).
 */
export { sample, samples, type Delivery, type EventOf, type PayloadOf, type SampleInfo, type SampleName, type SampleOptions } from './sample.js';
export { forReceive, forVerifyAndReceive, toInject, toRequest, type InjectRequest, type ReceivedEvent, type SignedEvent } from './adapters.js';
export { deliver, type DeliverOptions, type DeliverResponse } from './deliver.js';
export { diagnose, sign, signatureHeaders, verify, type Algorithm, type Diagnosis } from './signing.js';
export { validate, type SchemaViolation, type Validation } from './validate.js';
export { HookctlError, TargetError, UsageError } from './errors.js';
export type { SamplePayloads } from './payload-types.js';
