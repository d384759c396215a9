/**
 * Line numbers for a JSON text that JSON.parse accepted: JSON pointer → the line of its key (an
 * object member) or of its value (an array item), so a problem is reported as file:line.
 */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const space = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const string = (): string => {
    const start = i++;
    for (; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string): void => {
    space();
    if (!lines.has(pointer)) lines.set(pointer, line);
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      space();
      for (let index = 0; text[i] !== '}' && text[i] !== ']'; index++) {
        let item = `${pointer}/${index}`;
        if (c === '{') {
          item = `${pointer}/${string().replace(/~/g, '~0').replace(/\//g, '~1')}`;
          lines.set(item, line);
          space();
          i++; // the colon
        }
        value(item);
        space();
        if (text[i] === ',') i++;
        space();
      }
      i++;
    } else if (c === '"') string();
    else while (i < text.length && !/[,\]}\s]/.test(text[i])) i++;
  };
  value('');
  return lines;
}

/** The line of a character offset (JSON.parse's "at position N"). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
