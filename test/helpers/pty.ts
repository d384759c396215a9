/**
 * Run the built CLI in a real pseudo-terminal, driven by python's pty module (present
 * wherever python3 is), answering prompts: each step waits for a regex in the output and for
 * the prompt to put the terminal in raw mode, then types its text. Resolves with the exit code and the whole transcript.
 */
import { spawn } from 'node:child_process';
import { BIN, ROOT } from './run-cli.js';

const PTY_DRIVER = String.raw`
import os, pty, sys, json, re, time, select, fcntl, termios, struct
argv = json.loads(sys.argv[1]); steps = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    os.execv(argv[0], argv)
buf = b''
def read_until(pat, timeout):
    global buf
    end = time.time() + timeout
    while True:
        if pat is not None and re.search(pat.encode(), buf):
            return True
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        buf += data
def wait_raw(timeout):
    # A prompt reads keys once it put the terminal in raw mode (no ICANON): type then.
    end = time.time() + timeout
    while time.time() < end:
        try:
            if not termios.tcgetattr(fd)[3] & termios.ICANON:
                return
        except termios.error:
            return
        time.sleep(0.01)
for pat, send in steps:
    if not read_until(pat, 15):
        sys.stdout.write(buf.decode('utf8', 'replace'))
        sys.stderr.write('timed out waiting for %r\n' % pat)
        os.kill(pid, 9)
        sys.exit(99)
    wait_raw(5)
    os.write(fd, send.encode())
read_until(None, 15)
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

export function inPty(args: string[], steps: [string, string][], env: NodeJS.ProcessEnv): Promise<{ code: number | null; transcript: string; stderr: string }> {
  const { HOOKCTL_NO_PROMPT: _off, ...rest } = env;
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PTY_DRIVER, JSON.stringify([process.execPath, BIN, ...args]), JSON.stringify(steps)], {
      cwd: ROOT,
      env: { ...rest, PATH: `${env.PATH}:${process.env.PATH}`, TERM: 'xterm-256color' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript: out, stderr: err });
    });
  });
}

