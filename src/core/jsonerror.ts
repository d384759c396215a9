/**
 * Turn a JSON syntax error into "line L, column C: message" for a user's file. Node 20's
 * JSON.parse does not always say where it failed, so on the error path we scan the text
 * ourselves (a strict RFC 8259 scanner; the happy path never comes here).
 */
export function describeJsonError(text: string, err?: unknown): string {
  const found = scan(text);
  if (!found) return (err as Error)?.message ?? 'not valid JSON';
  const before = text.slice(0, found.pos);
  const line = before.split('\n').length;
  const column = found.pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${found.message}`;
}

interface Failure {
  pos: number;
  message: string;
}

class Fail extends Error {
  constructor(readonly pos: number, message: string) {
    super(message);
  }
}

function scan(text: string): Failure | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const unexpected = (what: string): never => {
    if (i >= text.length) throw new Fail(i, `unexpected end of input, expected ${what}`);
    throw new Fail(i, `unexpected ${JSON.stringify(text[i])}, expected ${what}`);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else unexpected('a value');
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Fail(i, 'bad \\u escape in string');
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else throw new Fail(i, 'bad escape in string');
      } else if (ch < ' ') {
        throw new Fail(i, 'control character (e.g. a raw newline) inside a string');
      } else i++;
    }
    throw new Fail(i, 'unterminated string');
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) unexpected('a value');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') unexpected('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') unexpected('":"');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        unexpected('"," or "}"');
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        unexpected('"," or "]"');
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch === '-' || (ch >= '0' && ch <= '9')) number();
    else unexpected('a value');
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) unexpected('end of input');
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { pos: e.pos, message: e.message };
    throw e;
  }
}
