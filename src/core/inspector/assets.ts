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

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

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
    assets.set(urlPath, { body: await readFile(file), type: TYPES[extname(file)] ?? 'application/octet-stream' });
  }
  const index = assets.get('/index.html');
  if (!index) throw new Error(`the inspector's page is missing: no index.html in ${dir}`);
  // Every module is announced up front, so the browser fetches them at once instead of
  // discovering the import graph one level per round trip.
  const preload = [...assets.keys()].filter((path) => path.endsWith('.js')).sort().map((path) => `<link rel="modulepreload" href="${path}">`).join('\n');
  const html = index.body.toString('utf8').replace('__HOOKCTL_TOKEN__', token).replace('<!-- modulepreload -->', preload);
  index.body = Buffer.from(html, 'utf8');
  return assets;
}
