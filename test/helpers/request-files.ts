/**
 * Read request files back the way their users' tools do, to check that they carry the exact
 * request: an .http file as VS Code's REST Client reads one (its parser's rules: comment lines
 * dropped everywhere, headers up to the first blank line, the body from the next non-blank line
 * to the following blank line, its lines joined with the platform's line ending) or as
 * JetBrains' HTTP Client does (its spec: the body runs to the next `###`, trimmed), and the
 * JSON format as any language would. Variables (`{{…}}`) are not resolved: a file that has any
 * is refused, since the clients would change it.
 */

export interface ReadRequest {
  method: string;
  url: string;
  /** In file order. */
  headers: [string, string][];
  body: Buffer;
}

const COMMENT = /^\s*(#|\/\/)/;
const SEPARATOR = /^#{3,}/;
const BLANK = (line: string) => line.trim() === '';

/** Each request of an .http file, as `client` reads it; `eol` is the platform's line ending (REST Client joins body lines with it). */
export function readHttpFile(text: string, options: { client: 'rest-client' | 'jetbrains'; eol?: '\n' | '\r\n' }): ReadRequest[] {
  if (/\{\{.+?\}\}/.test(text)) throw new Error('the file has {{variables}}: the clients would substitute them');
  const eol = options.eol ?? '\n';
  const blocks: string[][] = [[]];
  for (const line of text.split(/\r?\n/)) {
    if (SEPARATOR.test(line)) blocks.push([]);
    else blocks[blocks.length - 1].push(line);
  }
  const requests: ReadRequest[] = [];
  for (const block of blocks) {
    // REST Client drops comment lines from the whole request; JetBrains only outside the body
    // (dropped here too: a body line that reads as a comment is one the format cannot carry).
    const lines = block.filter((l) => !COMMENT.test(l));
    const start = lines.findIndex((l) => !BLANK(l));
    if (start === -1) continue;
    const [method, url] = lines[start].trim().split(/\s+/);
    let i = start + 1;
    const headers: [string, string][] = [];
    for (; i < lines.length && !BLANK(lines[i]); i++) {
      const colon = lines[i].indexOf(':');
      headers.push([lines[i].slice(0, colon).trim(), lines[i].slice(colon + 1).trim()]);
    }
    while (i < lines.length && BLANK(lines[i])) i++;
    let bodyLines: string[];
    if (options.client === 'rest-client') {
      const end = lines.findIndex((l, j) => j >= i && BLANK(l));
      bodyLines = lines.slice(i, end === -1 ? lines.length : end);
    } else {
      bodyLines = lines.slice(i);
    }
    let body = bodyLines.join(eol);
    if (options.client === 'jetbrains') body = body.trim();
    requests.push({ method, url, headers, body: Buffer.from(body, 'utf8') });
  }
  return requests;
}

/** The JSON request file: `{method, url, headers, body, encoding?}`. */
export function readJsonFile(text: string): ReadRequest & { encoding?: string } {
  const doc = JSON.parse(text) as { method: string; url: string; headers: Record<string, string>; body: string; encoding?: string };
  const keys = Object.keys(doc).sort();
  const expected = doc.encoding === undefined ? ['body', 'headers', 'method', 'url'] : ['body', 'encoding', 'headers', 'method', 'url'];
  if (keys.join() !== expected.join()) throw new Error(`unexpected fields: ${keys.join(', ')}`);
  if (doc.encoding !== undefined && doc.encoding !== 'base64') throw new Error(`unknown encoding ${doc.encoding}`);
  return { method: doc.method, url: doc.url, headers: Object.entries(doc.headers), body: Buffer.from(doc.body, doc.encoding === 'base64' ? 'base64' : 'utf8'), ...(doc.encoding ? { encoding: doc.encoding } : {}) };
}

/** The value of header `name` (any case). */
export function header(request: Pick<ReadRequest, 'headers'>, name: string): string | undefined {
  return request.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}
