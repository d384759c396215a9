/**
 * Headless Chromium for the inspector's browser tests: Debian's `chromium` driven by
 * playwright-core, which never downloads a browser of its own. No chromium → the test fails
 * and says how to install it (CI installs it in .ci/run).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error('The inspector browser tests need Chromium: install Debian\'s package (`apt-get install -y chromium`) or set CHROMIUM_PATH. They never download a browser.');
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
