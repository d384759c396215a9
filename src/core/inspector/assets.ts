/**
 * The page's static files (assets/, shipped in the package and copied next to the compiled
 * module by `npm run build`): read once at start, served from memory. index.html receives the
 * per-process token in a <meta> tag; nothing else is templated.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  type: string;
}

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Every file under assets/ by URL path ('/index.html', '/js/main.js'…), the token set in index.html. */
export async function loadAssets(token: string, dir = ASSETS_DIR): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const file of await listFiles(dir)) {
    const urlPath = '/' + relative(dir, file).split(sep).join('/');
    let body = await readFile(file);
    if (urlPath === '/index.html') body = Buffer.from(body.toString('utf8').replace('__HOOKCTL_TOKEN__', token), 'utf8');
    assets.set(urlPath, { body, type: TYPES[extname(file)] ?? 'application/octet-stream' });
  }
  if (!assets.has('/index.html')) throw new Error(`the inspector's page is missing: no index.html in ${dir}`);
  return assets;
}
