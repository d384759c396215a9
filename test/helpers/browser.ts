/**
 * Headless Chromium for the inspector's browser tests: Debian's `chromium` driven by
 * playwright-core, which never downloads a browser of its own. No chromium → the test fails
 * and says how to install it (CI installs it in .ci/run).
 */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { FakeInspectorBackend, type FakeBackendOptions } from './fake-inspector-backend.js';

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

export interface InspectorSession {
  backend: FakeInspectorBackend;
  inspector: Inspector;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors, console errors (CSP violations included) and requests off this origin. */
  problems: string[];
  close(): Promise<void>;
}

/** A fake backend, the inspector over it on port 0, and a fresh browser page (not yet navigated). */
export type InspectorOptions = FakeBackendOptions & { colorScheme?: 'light' | 'dark'; width?: number; height?: number };

export async function openInspector(browser: Browser, options: InspectorOptions = {}): Promise<InspectorSession> {
  const backend = new FakeInspectorBackend({ count: 200, ...options });
  const inspector = await startInspector({ backend, port: 0 });
  const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 }, colorScheme: options.colorScheme ?? 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: inspector.url.replace(/\/$/, '') });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('request', (request) => { if (!request.url().startsWith(inspector.url)) problems.push(`request off origin: ${request.url()}`); });
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    backend, inspector, context, page, problems,
    close: async () => {
      await context.close();
      await inspector.close();
    },
  };
}

export interface PageSession {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors, console errors (CSP violations included) and requests off the inspector's origin. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh page for an inspector already running at `url` (a real `hookctl listen`), not yet navigated. */
export async function openPage(browser: Browser, url: string, options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<PageSession> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 }, colorScheme: options.colorScheme ?? 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url.replace(/\/$/, '') });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('request', (request) => { if (!request.url().startsWith(url)) problems.push(`request off origin: ${request.url()}`); });
  page.on('dialog', (dialog) => void dialog.accept());
  return { context, page, problems, close: () => context.close() };
}

/**
 * One Chromium for a test file, and each test's inspector session closed after it (the test
 * fails if the page logged an error, broke its CSP or asked anything off its origin).
 */
export function useChromium(): { open(options?: InspectorOptions): Promise<InspectorSession> } {
  let browser: Browser | undefined;
  let current: InspectorSession | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const session = current;
    current = null;
    if (!session) return;
    try {
      expect(session.problems).toEqual([]);
    } finally {
      await session.close();
    }
  });
  return {
    open: async (options = {}) => (current = await openInspector(browser!, options)),
  };
}

/** Select the first match of `pattern` in the open dialog's editor and type over it, as a person edits. */
export async function typeOver(page: Page, pattern: RegExp, replacement: string): Promise<void> {
  const found = await page.locator('dialog[open] textarea').evaluate((el, source) => {
    const textarea = el as any;
    const match = new RegExp(source).exec(textarea.value);
    if (!match) return false;
    textarea.focus();
    textarea.setSelectionRange(match.index, match.index + match[0].length);
    return true;
  }, pattern.source);
  expect(found, `${pattern} in the editor`).toBe(true);
  await page.keyboard.type(replacement);
}
