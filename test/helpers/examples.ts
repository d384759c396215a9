/**
 * The examples the documentation shows, collected so a test can run each of them:
 * - every `Examples:` line of `hookctl --help` and of every command's and subcommand's help
 *   (the command list is read from the help itself, so a new command is found too);
 * - README.md: each `$ ` line of a ```console block (with the output lines shown under it)
 *   and each line of a ```sh block that runs hookctl.
 * Also: which README lines are only setup for the commands after them, and how to compare a
 * README transcript with what a command really printed.
 */

export interface HelpExample {
  source: 'help';
  /** e.g. "hookctl deliveries show --help" */
  where: string;
  command: string;
}

export interface ReadmeExample {
  source: 'readme';
  /** 1-based line of the command in README.md */
  line: number;
  /** The section heading the block is under (without the #s): one section is one session. */
  section: string;
  /** Which code block of the README (0-based), to tell blocks apart within a section. */
  block: number;
  kind: 'console' | 'sh';
  command: string;
  /** The output lines the README shows under a console command (indentation of the block removed). */
  shown: string[];
}

export type Example = HelpExample | ReadmeExample;

/** The `Examples:` lines of one help text (those that run hookctl). */
export function examplesIn(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Examples:');
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (line.includes('hookctl')) out.push(line.trim());
  }
  return out;
}

/** The command names listed under `Commands:` in a help text (without `help`). */
export function commandsIn(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Commands:');
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    // An entry starts two spaces in; wrapped descriptions are indented further.
    const m = /^ {2}([a-z][\w-]*)(?=\s|$)/.exec(line);
    if (m && m[1] !== 'help') names.push(m[1]);
  }
  return names;
}

/**
 * Walk `hookctl --help` and the help of every command and subcommand (`helpOf(path)` prints
 * `hookctl …path --help`); collect their examples. The helps of one level are read concurrently.
 */
export async function collectHelpExamples(helpOf: (path: string[]) => Promise<string>): Promise<{ examples: HelpExample[]; commands: string[][] }> {
  const examples: HelpExample[] = [];
  const commands: string[][] = [];
  const visit = async (path: string[]): Promise<void> => {
    const stdout = await helpOf(path);
    commands.push(path);
    const where = ['hookctl', ...path, '--help'].join(' ');
    for (const command of examplesIn(stdout)) examples.push({ source: 'help', where, command });
    await Promise.all(commandsIn(stdout).map((name) => visit([...path, name])));
  };
  await visit([]);
  const key = (p: string[]) => p.join(' ');
  commands.sort((a, b) => key(a).localeCompare(key(b)));
  examples.sort((a, b) => a.where.localeCompare(b.where));
  return { examples, commands };
}

/** The console and sh examples of a README. */
export function collectReadmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  let section = '';
  let fence: { kind: string; indent: number } | null = null;
  let block = -1;
  let current: ReadmeExample | null = null;
  lines.forEach((line, i) => {
    const open = /^(\s*)```(\w*)\s*$/.exec(line);
    if (open) {
      if (fence) {
        fence = null;
        current = null;
      } else {
        fence = { kind: open[2], indent: open[1].length };
        block++;
      }
      return;
    }
    if (!fence) {
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) section = heading[1].trim();
      return;
    }
    const text = line.slice(fence.indent);
    if (fence.kind === 'console') {
      if (text.startsWith('$ ')) {
        current = { source: 'readme', line: i + 1, section, block, kind: 'console', command: text.slice(2), shown: [] };
        examples.push(current);
      } else if (current) {
        current.shown.push(text);
      }
    } else if (fence.kind === 'sh' && /\bhookctl\b/.test(text)) {
      examples.push({ source: 'readme', line: i + 1, section, block, kind: 'sh', command: text.trim(), shown: [] });
    }
  });
  return examples;
}

/**
 * A README line that only prepares what the commands after it use (`export HOOKCTL_SECRET=…`,
 * `printf … > body.txt`): it runs no hookctl and shows no output, so on its own it proves
 * nothing. A test runs it, in order, as a setup step of the next command of its section.
 */
export function isSetupStep(ex: Example): boolean {
  return ex.source === 'readme' && !/\bhookctl\b/.test(ex.command) && !ex.shown.some(isShownLine);
}

/** An `export` stays in effect for the rest of its block (one terminal); other setup steps run once. */
export function isExport(command: string): boolean {
  return /^export\s/.test(command);
}

// ---------------------------------------------------------------------------------------
// Comparing a transcript with real output

/**
 * Put the documented ports back into what a command printed: `ports` maps each port the run
 * really used (found by listening on port 0) to the one the README shows (5000, 3000, …).
 */
export function documentedPorts(text: string, ports: ReadonlyMap<number, number>): string {
  return text.replace(/\b(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})\b/g, (whole, host: string, port: string) => {
    const shown = ports.get(Number(port));
    return shown === undefined ? whole : `${host}:${shown}`;
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Replace what differs from run to run with placeholders, the same way on both sides:
 * ids, GUIDs, times, durations, sizes, digests, tunnel host names, pids, the home folder.
 */
export function normalize(text: string, home?: string): string {
  let t = text.replace(ANSI, '');
  if (home) t = t.split(home).join('~');
  return t
    .split('\n')
    .map((line) =>
      line
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<guid>')
        .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<ts>')
        .replace(/\b\d{2}:\d{2}:\d{2}\b/g, '<time>')
        .replace(/\b\d+[smhd] ago\b/g, '<ago>')
        .replace(/\b\d+(\.\d+)?\/s\b/g, '<rate>')
        .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<duration>')
        .replace(/\b\d+(\.\d+)? ?(bytes|B|KB|MB|GB|KiB|MiB|GiB)\b/g, '<size>')
        // The inspector's access token (random per HOOKCTL_HOME): the README shows `?token=…`.
        .replace(/([?&]token=)[0-9a-f]{64}\b/g, '$1…')
        .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
        .replace(/\b[0-9a-f]{40}\b/g, '<sha1>')
        .replace(/\b[0-9a-f]{7}\b/g, '<id>')
        .replace(/\b[a-z0-9]+(-[a-z0-9]+)*\.trycloudflare\.com\b/g, '<tunnel>')
        .replace(/\bpid \d+/g, 'pid <pid>')
        .replace(/"pid":\d+/g, '"pid":<pid>')
        // Where cloudflared was found differs per machine.
        .replace(/(cloudflared from [\w -]+?: )\S+/g, '$1<path>')
        // The inspector's port: the next free one when 4141 is taken, any free one in a test.
        .replace(/(Inspector: http:\/\/127\.0\.0\.1:)\d+\//g, '$14141/')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .join('\n');
}

/** Lines a README transcript shows that are not to be looked for: blanks and the Ctrl+C mark. */
function isShownLine(line: string): boolean {
  const t = line.trim();
  return t !== '' && t !== '^C' && t !== '…';
}

/**
 * The transcript lines that appear nowhere in the real output. Every shown line must equal a
 * real output line once both are normalized (and the real ports renamed as `ports` says);
 * `…` in a shown line stands for anything.
 */
export function missingLines(shown: string[], output: string, home?: string, ports: ReadonlyMap<number, number> = new Map()): string[] {
  const actual = new Set(normalize(documentedPorts(output, ports), home).split('\n'));
  const actualLines = [...actual];
  const missing: string[] = [];
  for (const line of shown.filter(isShownLine)) {
    const expected = normalize(line);
    if (actual.has(expected)) continue;
    if (expected.includes('…')) {
      const pattern = new RegExp(`^${expected.split(/ ?… ?/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      if (actualLines.some((l) => pattern.test(l))) continue;
    }
    missing.push(line);
  }
  return missing;
}
