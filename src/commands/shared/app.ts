/**
 * GitHub App credentials for the commands that act as an App: the App ID (--app-id,
 * GITHUB_APP_ID) and its private key (--private-key FILE, GITHUB_APP_PRIVATE_KEY_PATH, or the
 * PEM text in GITHUB_APP_PRIVATE_KEY). Never printed or stored; the JWT is made here per run.
 */
import type { AppContext } from '../../context.js';
import { FileError, readRegularFileSync } from '../../core/files.js';
import { AuthError, UsageError } from '../../errors.js';
import { appJwt, parsePrivateKey, type AppCredentials } from '../../core/github/app.js';
import { GithubClient, type ResolvedToken } from '../../core/github/client.js';
import { parseRepo, type HookTarget } from '../../core/github/targets.js';
import { connect, describeWait, pickHookId } from './github.js';

export interface AppFlags {
  appId?: string;
  privateKey?: string;
}

/** A PEM private key is a few KiB. */
const KEY_MAX_BYTES = 64 * 1024;

/** The key file's text; a warning when others can read it (SSH refuses such keys; we say so). */
function readKeyFile(ctx: AppContext, path: string, source: string): string {
  let read;
  try {
    read = readRegularFileSync(path, { limit: KEY_MAX_BYTES, what: 'a private key' });
  } catch (err) {
    if (err instanceof FileError) throw new UsageError(`cannot use the private key ${path} (from ${source}): ${err.message}`);
    throw new UsageError(`cannot read the private key ${path} (from ${source}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const mode = read.stats.mode & 0o777;
  if (mode & 0o077) {
    ctx.io.warn(`the private key ${path} can be read by ${mode & 0o007 ? 'every user of this machine' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); protect it: chmod 600 ${path}`);
  }
  return read.bytes.toString('utf8');
}

export function appCredentials(ctx: AppContext, flags: AppFlags): AppCredentials {
  const env = ctx.env;
  const [idText, appIdSource] = flags.appId !== undefined ? [flags.appId, '--app-id'] : [env.GITHUB_APP_ID, 'GITHUB_APP_ID'];
  const missing: string[] = [];
  if (!idText?.trim()) missing.push('an App ID: pass --app-id N or set GITHUB_APP_ID');
  let pem: string | undefined;
  let keySource = '';
  if (flags.privateKey) [pem, keySource] = [readKeyFile(ctx, flags.privateKey, '--private-key'), `--private-key (${flags.privateKey})`];
  else if (env.GITHUB_APP_PRIVATE_KEY_PATH) [pem, keySource] = [readKeyFile(ctx, env.GITHUB_APP_PRIVATE_KEY_PATH, 'GITHUB_APP_PRIVATE_KEY_PATH'), `GITHUB_APP_PRIVATE_KEY_PATH (${env.GITHUB_APP_PRIVATE_KEY_PATH})`];
  // An env file often holds the PEM on one line with \n escapes.
  else if (env.GITHUB_APP_PRIVATE_KEY) [pem, keySource] = [env.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, '\n'), 'GITHUB_APP_PRIVATE_KEY'];
  else missing.push("the App's private key: pass --private-key FILE, or set GITHUB_APP_PRIVATE_KEY_PATH (a file) or GITHUB_APP_PRIVATE_KEY (the PEM text)");
  if (missing.length) {
    throw new AuthError(`no GitHub App credentials: hookctl needs ${missing.map((m) => m.split(':')[0]).join(' and ')}`, [
      ...missing.map((m) => `  ${m.replace(/^[^:]*: /, '')}`),
      "Both are on the App's settings page (About: App ID; Private keys: generate one).",
    ]);
  }
  const appId = Number(idText!.trim());
  if (!Number.isSafeInteger(appId) || appId <= 0) throw new UsageError(`the App ID (from ${appIdSource}) must be a whole number, got "${idText}"`);
  return { appId, key: parsePrivateKey(pem!, keySource), appIdSource, keySource };
}

/** A client that authenticates as the App (a JWT, renewed a minute before it expires). */
export function connectApp(ctx: AppContext, credentials: AppCredentials, options: { apiUrl?: string } = {}): GithubClient {
  let current: { token: ResolvedToken; expiresAt: Date } | undefined;
  const rejected = {
    what: `the App's JWT (App ID ${credentials.appId} from ${credentials.appIdSource}; private key from ${credentials.keySource})`,
    hints: [
      "The App ID and the private key must belong to the same App, and the key must not have been deleted: compare the App ID on the App's settings page (About), or generate a new private key there.",
      "A clock far off (more than a minute) makes every JWT look expired or not yet valid.",
    ],
  };
  return new GithubClient({
    baseUrl: ctx.apiUrl(options.apiUrl),
    token: async () => {
      if (!current || current.expiresAt.getTime() - ctx.now().getTime() < 60_000) {
        const { token, expiresAt } = appJwt(credentials, ctx.now());
        current = { token: { token, source: `App ${credentials.appId}`, rejected }, expiresAt };
      }
      return current.token;
    },
    userAgent: `hookctl/${ctx.version}`,
    now: () => ctx.now(),
    onWait: (w) => ctx.io.warn(describeWait(w)),
    backoffMs: /^\d+$/.test(ctx.env.HOOKCTL_TEST_BACKOFF_MS ?? '') ? Number(ctx.env.HOOKCTL_TEST_BACKOFF_MS) : undefined,
  });
}

export interface LogTargetOptions extends AppFlags {
  app?: boolean;
  /** --hook-id, parsed (shared/options.ts). */
  hookId?: number;
  apiUrl?: string;
}

/**
 * Whose delivery log a command reads (pull, replay --from-github): a repository's hook
 * (OWNER/REPO, --hook-id or the remembered/only one) or, with --app, the App's webhook.
 */
export async function logTarget(ctx: AppContext, options: LogTargetOptions, repo: string | undefined, flag: string): Promise<{ client: GithubClient; target: HookTarget; hookId: number }> {
  if (options.app) {
    if (repo) throw new UsageError(`give ${flag} or --app, not both`);
    if (options.hookId !== undefined) throw new UsageError('--hook-id does not apply with --app: an App has one webhook');
    const credentials = appCredentials(ctx, options);
    return { client: connectApp(ctx, credentials, { apiUrl: options.apiUrl }), target: { kind: 'app', appId: credentials.appId }, hookId: 0 };
  }
  if (options.appId || options.privateKey) throw new UsageError('--app-id and --private-key go with --app');
  const target = parseRepo(repo, flag);
  const client = connect(ctx, { apiUrl: options.apiUrl });
  return { client, target, hookId: await pickHookId(ctx, client, target, options.hookId) };
}
