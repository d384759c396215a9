/**
 * src/errors.ts: each typed error has one exit code (the contract's "Exit codes") and one HTTP
 * status (the inspector's API), each from one table; and core's URL check throws the typed
 * error naming the flag it came from, which every command and the inspector use as it is.
 */
import { describe, expect, it } from 'vitest';
import {
  ApiError, AuthError, CancelledError, ConflictError, exitCodeOf, ForbiddenError, HookctlError, httpStatusOf, InterruptedError,
  MethodNotAllowedError, NotFoundError, TargetError, TooLargeError, UnavailableError, UnsupportedTypeError, UsageError,
} from '../../src/errors.js';
import { compactJson } from '../../src/core/deliver/replay.js';
import { parseTargetUrl } from '../../src/core/deliver/url.js';
import { parseForwardRoutes } from '../../src/core/relay/forward.js';
import { GithubClient } from '../../src/core/github/client.js';
import * as library from '../../src/lib/index.js';

const cases: [HookctlError, number, number][] = [
  [new UsageError('unknown event "x"'), 2, 400],
  [new NotFoundError('no delivery abc'), 2, 404],
  [new MethodNotAllowedError('use GET', ['GET']), 2, 405],
  [new TooLargeError('request body over 10 bytes'), 2, 413],
  [new UnsupportedTypeError('send the request body as application/json'), 2, 415],
  [new AuthError('no token'), 4, 401],
  [new ForbiddenError('another site'), 1, 403],
  [new ConflictError('cannot replay abc: only the first…'), 1, 409],
  [new UnavailableError('the tunnel died: …'), 1, 503],
  [new ApiError('GitHub said 500', 500), 1, 500],
  [new TargetError('nothing listens there'), 1, 500],
  [new HookctlError('cloudflared not found'), 1, 500],
  [new InterruptedError('Stopped at once.'), 130, 500],
  [new CancelledError(), 130, 500],
];

describe('the two tables', () => {
  it.each(cases.map(([err, exit, status]) => [err.name, exit, status, err] as const))('%s: exit %i, HTTP %i', (_name, exit, status, err) => {
    expect(exitCodeOf(err)).toBe(exit);
    // The property a library user may read is the table's answer, not a second copy.
    expect(err.exitCode).toBe(exit);
    expect(httpStatusOf(err)).toBe(status);
  });

  it('anything untyped is a 500 for the inspector', () => {
    expect(httpStatusOf(new TypeError('x'))).toBe(500);
    expect(httpStatusOf('a string')).toBe(500);
  });
});

describe('parseTargetUrl: one typed error, the flag passed in', () => {
  it('names the flag in the message and as the field; without one, the field is url and the message the problem alone', () => {
    expect(() => parseTargetUrl('localhost:5000/', { field: '--to' })).toThrow(expect.objectContaining({
      name: 'UsageError', field: '--to', message: '--to: "localhost:5000/" has no scheme: did you mean http://localhost:5000/?',
    }));
    const bare = (() => {
      try {
        parseTargetUrl('ftp://x/');
      } catch (err) {
        return err;
      }
    })();
    expect(bare).toBeInstanceOf(UsageError);
    expect(bare).toMatchObject({ field: 'url', message: 'unsupported URL scheme "ftp:" in ftp://x/ (use http or https)' });
    expect(httpStatusOf(bare)).toBe(400);
    expect(parseTargetUrl(' http://127.0.0.1:3000/x ').href).toBe('http://127.0.0.1:3000/x');
  });

  it('--forward-to keeps its hint; the GitHub API URL says where it came from and what a good one is', () => {
    expect(() => parseForwardRoutes(['push=localhost:3000'])).toThrow(expect.objectContaining({
      field: '--forward-to', message: '--forward-to: "localhost:3000" has no scheme: did you mean http://localhost:3000?', details: ['Use --forward-to http://localhost:3000/webhooks or --forward-to push=http://localhost:3000/push'],
    }));
    expect(() => new GithubClient({ baseUrl: 'gopher://ghe.example/api/v3', token: async () => ({ token: 't', source: 'flag' }) } as never)).toThrow(expect.objectContaining({
      name: 'UsageError', message: 'the GitHub API URL (--api-url, $GITHUB_API_URL): unsupported URL scheme "gopher:" in gopher://ghe.example/api/v3 (use http or https)',
    }));
  });
});

describe('edits', () => {
  it('an edit that is not JSON is invalid input about the payload (exit 2, 400), named as the caller says', () => {
    expect(() => compactJson('{nope')).toThrow(expect.objectContaining({ field: 'payload', message: expect.stringMatching(/^the edited payload is not JSON: /) }));
    expect(() => compactJson('{nope', 'the payload')).toThrow(expect.objectContaining({ message: expect.stringMatching(/^the payload is not JSON: /) }));
    expect(() => compactJson('{nope')).toThrow(UsageError);
  });
});

describe('the library', () => {
  it('keeps exporting the errors it always did', () => {
    expect(library.UsageError).toBe(UsageError);
    expect(library.TargetError).toBe(TargetError);
    expect(library.HookctlError).toBe(HookctlError);
  });
});
