/**
 * Read a PNG as pixels with node:zlib: enough for the 8-bit RGB and RGBA, non-interlaced
 * images Chromium writes, so a test can look at what a screenshot shows.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type Rgb = [number, number, number];

export interface Image {
  width: number;
  height: number;
  /** The colour at (x, y), alpha dropped. */
  at(x: number, y: number): Rgb;
  /** The mean colour of the rectangle, rounded. */
  mean(box: Box): Rgb;
  /** The most frequent colour of the rectangle and the share of its pixels that have it. */
  dominant(box: Box): { color: Rgb; share: number };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function decodePng(png: Buffer): Image {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: no PNG signature');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const chunk = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = chunk.readUInt32BE(0);
      height = chunk.readUInt32BE(4);
      const [depth, colourType, , , interlace] = chunk.subarray(8, 13);
      channels = colourType === 2 ? 3 : colourType === 6 ? 4 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
    } else if (type === 'IDAT') data.push(chunk);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (width === 0 || data.length === 0) throw new Error('not a whole PNG: no IHDR or no IDAT');
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data of ${raw.length} bytes for ${width}×${height}`);
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const from = y * (stride + 1) + 1;
    const row = y * stride;
    const above = row - stride;
    for (let i = 0; i < stride; i += 1) {
      const left = i >= channels ? pixels[row + i - channels] : 0;
      const up = y > 0 ? pixels[above + i] : 0;
      let predicted: number;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = left; break;
        case 2: predicted = up; break;
        case 3: predicted = (left + up) >> 1; break;
        case 4: predicted = paeth(left, up, y > 0 && i >= channels ? pixels[above + i - channels] : 0); break;
        default: throw new Error(`PNG filter ${filter} on line ${y}`);
      }
      pixels[row + i] = (raw[from + i] + predicted) & 0xff;
    }
  }
  const at = (x: number, y: number): Rgb => {
    if (x < 0 || y < 0 || x >= width || y >= height) throw new Error(`(${x}, ${y}) is outside ${width}×${height}`);
    const i = y * stride + x * channels;
    return [pixels[i], pixels[i + 1], pixels[i + 2]];
  };
  const each = (box: Box, visit: (color: Rgb) => void): number => {
    let count = 0;
    for (let y = Math.round(box.y); y < Math.round(box.y + box.height); y += 1) {
      for (let x = Math.round(box.x); x < Math.round(box.x + box.width); x += 1) {
        visit(at(x, y));
        count += 1;
      }
    }
    if (count === 0) throw new Error(`an empty box: ${JSON.stringify(box)}`);
    return count;
  };
  const mean = (box: Box): Rgb => {
    const sum = [0, 0, 0];
    const count = each(box, ([r, g, b]) => {
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
    });
    return [Math.round(sum[0] / count), Math.round(sum[1] / count), Math.round(sum[2] / count)];
  };
  const dominant = (box: Box): { color: Rgb; share: number } => {
    const counts = new Map<number, number>();
    const count = each(box, ([r, g, b]) => {
      const key = (r << 16) | (g << 8) | b;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    const [key, most] = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    return { color: [(key >> 16) & 0xff, (key >> 8) & 0xff, key & 0xff], share: most / count };
  };
  return { width, height, at, mean, dominant };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Relative luminance-ish brightness, 0 (black) to 255 (white). */
export function brightness([r, g, b]: Rgb): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** "rgb(13, 16, 21)" or "rgba(…)" → [13, 16, 21]. */
export function cssRgb(color: string): Rgb {
  const m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  if (!m) throw new Error(`not an rgb() colour: ${color}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
