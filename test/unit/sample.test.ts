/** core/catalog/sample.ts: the one sampler behind `hookctl send`, the inspector and the library. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPayloadBytes, resolve } from '../../src/core/catalog/catalog.js';
import { buildSample } from '../../src/core/catalog/sample.js';
import { UsageError } from '../../src/errors.js';

const catalogBytes = (name: string) => {
  const found = resolve(name);
  if (!found.ok) throw new Error(name);
  return loadPayloadBytes(found.entry);
};

describe('buildSample', () => {
  it('an unedited sample is the catalog\'s exact bytes, with GitHub\'s headers and both signatures of those bytes', () => {
    const s = buildSample({ name: 'pull_request.opened', secret: 's3cret' });
    expect(s.body.equals(catalogBytes('pull_request.opened'))).toBe(true);
    expect(s).toMatchObject({ event: 'pull_request', action: 'opened', name: 'pull_request.opened', method: 'POST', notes: [] });
    expect(Object.keys(s.headers)).toEqual(['Accept', 'Content-Type', 'User-Agent', 'X-GitHub-Delivery', 'X-GitHub-Event', 'X-GitHub-Hook-ID', 'X-GitHub-Hook-Installation-Target-ID', 'X-GitHub-Hook-Installation-Target-Type', 'X-Hub-Signature', 'X-Hub-Signature-256']);
    expect(s.headers['X-Hub-Signature-256']).toBe(`sha256=${createHmac('sha256', 's3cret').update(s.body).digest('hex')}`);
    expect(s.headers['X-Hub-Signature']).toBe(`sha1=${createHmac('sha1', 's3cret').update(s.body).digest('hex')}`);
    expect(s.headers['X-GitHub-Hook-Installation-Target-ID']).toBe(String((s.payload.repository as { id: number }).id));
    expect(s.headers['X-GitHub-Delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(buildSample({ name: 'pull_request.opened' }).headers['X-GitHub-Delivery']).not.toBe(s.headers['X-GitHub-Delivery']);
  });

  it('a bare event takes its default action and says so; a variant keeps its name', () => {
    expect(buildSample({ name: 'pull_request' }).notes).toEqual(['pull_request has actions; sending pull_request.opened (pass pull_request.<action> for another)']);
    const merged = buildSample({ name: 'pull_request.closed:merged' });
    expect(merged).toMatchObject({ event: 'pull_request', action: 'closed', name: 'pull_request.closed:merged' });
    expect((merged.payload.pull_request as { merged: boolean }).merged).toBe(true);
  });

  it('edits make new compact bytes; an App delivery gets an installation and the App as its target', () => {
    const s = buildSample({ name: 'issues.opened', repo: 'acme/api', set: ['issue.title="Crash"'], appId: 42 });
    expect(JSON.parse(s.body.toString())).toEqual(s.payload);
    expect(s.body.toString()).toBe(JSON.stringify(s.payload));
    expect(s.payload).toMatchObject({ repository: { full_name: 'acme/api' }, issue: { title: 'Crash' }, installation: { id: 2311213 } });
    expect(s.headers).toMatchObject({ 'X-GitHub-Hook-Installation-Target-Type': 'integration', 'X-GitHub-Hook-Installation-Target-ID': '42' });
    expect(s.notes).toContain('--app-id: added an installation (id 2311213) to the payload, as an App\'s deliveries carry one');
  });

  it('an installation id replaces the payload\'s (with its node id) or is added, before --set, which has the last word', () => {
    const replaced = buildSample({ name: 'pull_request.opened', installationId: 42 });
    expect(JSON.parse(replaced.body.toString()).installation).toEqual({ id: 42, node_id: Buffer.from('023:IntegrationInstallation42').toString('base64') });
    expect(replaced.notes).toEqual([]);
    const added = buildSample({ name: 'issues.opened', installationId: '7', appId: 9, set: ['installation.id=8'] });
    expect(added.payload.installation).toEqual({ id: 8, node_id: Buffer.from('023:IntegrationInstallation7').toString('base64') });
    expect(added.notes).toContain('added an installation (id 7) to the payload');
    expect(added.headers).toMatchObject({ 'X-GitHub-Hook-Installation-Target-Type': 'integration', 'X-GitHub-Hook-Installation-Target-ID': '9' });
    // The default installation's node id is GitHub's own for that id.
    expect(buildSample({ name: 'star.created', appId: 1 }).payload.installation).toEqual({ id: 2311213, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==' });
  });

  it('a form body is payload=<urlencoded JSON>, signed over the form bytes', () => {
    const s = buildSample({ name: 'push', contentType: 'form', secret: 'k' });
    expect(s.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(s.body.toString()).get('payload')).toBe(s.json.toString());
    expect(s.headers['X-Hub-Signature-256']).toBe(`sha256=${createHmac('sha256', 'k').update(s.body).digest('hex')}`);
  });

  it('the caller\'s own payload is sent byte for byte under the name\'s event', () => {
    const own = Buffer.from('{ "action": "opened",\n  "zen": "exact bytes" }');
    const s = buildSample({ name: 'issues.opened', payload: own });
    expect(s.body.equals(own)).toBe(true);
    expect(s).toMatchObject({ event: 'issues', action: 'opened' });
  });

  it('invalid input is a UsageError naming the field, with close matches for a name', () => {
    const fails = (request: Parameters<typeof buildSample>[0]) => {
      try {
        buildSample(request);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return err as UsageError;
      }
      throw new Error('did not fail');
    };
    expect(fails({ name: 'pull_requets.opened' })).toMatchObject({ field: 'event', message: 'unknown event "pull_requets.opened"', details: ['Did you mean: pull_request.opened?', 'See every event with `hookctl send --list`.'] });
    expect(fails({ name: 'issues.opened', set: ['issue.nope.deeper=1'] })).toMatchObject({ field: 'set' });
    expect(fails({ name: 'issues.opened', payload: Buffer.from('{"a":') , payloadSource: 'delivery.json' })).toMatchObject({ field: 'payload', message: expect.stringMatching(/^delivery\.json is not JSON: line 1, column 6/) });
    expect(fails({ name: 'issues', payload: Buffer.from('[1]') })).toMatchObject({ field: 'payload', message: 'a webhook payload must be a JSON object' });
    expect(fails({ name: 'push', deliveryId: 'nope' })).toMatchObject({ field: 'deliveryId' });
    expect(fails({ name: 'push', installationId: 'x1' })).toMatchObject({ field: 'installationId' });
    expect(fails({ name: 'push', repo: 'not a repo' })).toMatchObject({ field: 'repo' });
  });
});
