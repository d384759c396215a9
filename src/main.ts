/**
 * Entry point: parse argv, run the command, map typed errors to exit codes.
 * The only place that calls process.exit.
 */
import { readFileSync } from 'node:fs';
import { ExitCode } from './errors.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

async function main(argv: string[]): Promise<number> {
  const version = readVersion();
  // Fast path: `hookctl --version` loads nothing else.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`hookctl ${version}\n`);
    return ExitCode.ok;
  }
  const { IO } = await import('./ui/io.js');
  const { createContext } = await import('./context.js');
  const io = IO.fromProcess();
  const ctx = createContext(io, version);
  try {
    const { runCli } = await import('./cli.js');
    return await runCli(ctx, argv);
  } catch (err) {
    const { reportError } = await import('./report.js');
    return reportError(io, err);
  }
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit once stdout and stderr have flushed, so an idle keep-alive socket or a
    // forgotten timer can never hang the CLI, and piped output is never cut short.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  },
  (err) => {
    process.stderr.write(`error: ${(err as Error)?.message ?? err}\n`);
    process.exit(1);
  },
);
