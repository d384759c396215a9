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
}

export interface ViewOptions {
  colorScheme?: 'light' | 'dark';
  width?: number;
  height?: number;
}

/** A test's view: the fake backend's options (200 generated deliveries unless told) and the page's. */
export type InspectorOptions = FakeBackendOptions & ViewOptions;

/** Collect what must not happen on a page: errors, CSP violations, requests off `origin`. */
function watch(page: Page, origin: string, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('request', (request) => { if (!request.url().startsWith(origin)) problems.push(`request off origin: ${request.url()}`); });
  page.on('dialog', (dialog) => void dialog.accept());
}

/**
 * Pause CSS animations that never end. The inspector's "live" dot pulses forever on a
 * box-shadow, which repaints the page every frame: with software rendering that is a quarter
 * of a core for as long as a page is open, whatever the test does. (The page's own
 * prefers-reduced-motion rule stops it too, but tests see the page as most users do.)
 */
function pauseEndlessAnimations(): void {
  const document = (globalThis as any).document;
  document.addEventListener('animationstart', () => {
    for (const animation of document.getAnimations()) {
      if (animation.effect?.getTiming().iterations === Infinity) animation.pause();
    }
  }, true);
}

export interface PageSession {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors, console errors (CSP violations included) and requests off the inspector's origin. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A fresh page for an inspector already running, opened once at `url`, the URL it printed
 * (`?token=`: the browser now holds the access token's cookie, as a user's does), so the
 * test can go anywhere on its origin.
 */
export async function openPage(browser: Browser, url: string, options: ViewOptions = {}): Promise<PageSession> {
  const origin = new URL(url).origin;
  const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 }, colorScheme: options.colorScheme ?? 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await context.addInitScript(pauseEndlessAnimations);
  const page = await context.newPage();
  const problems: string[] = [];
  watch(page, origin, problems);
  await page.goto(url);
  await page.locator('.live.on').waitFor();
  return { context, page, problems, close: () => context.close() };
}

export interface InspectorView {
  /**
   * This test's inspector, reset: the backend starts over with `options` (same inspector, same
   * page, which still shows what the last test left until the test navigates it), and the page
   * takes the colour scheme and size asked for. The backend can be filled before navigating.
   */
  open(options?: InspectorOptions): Promise<InspectorSession>;
}

/** Wait until the page's live stream is open (it says "live"): from then on it gets every event. */
export async function waitLive(page: Page): Promise<void> {
  await expect.poll(() => page.locator('.live').innerText(), { message: 'the page went live' }).toBe('live');
}

/**
 * One Chromium for a test file (launched in beforeAll, closed in afterAll). `inspectorView()`,
 * called at the top of the file or in a describe, gives its tests one inspector over a fake
 * backend and one page (one browser context), which each test resets with `open()` and a
 * navigation. After each test the origin's storage and the clipboard are cleared, and the test
 * fails if the page logged an error, broke its CSP or asked anything off its origin (what a
 * page does after that, until the next test navigates it, counts against the next test).
 */
export function useChromium(): { browser(): Browser; inspectorView(defaults?: ViewOptions): InspectorView } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const running = (): Browser => {
    if (!browser) throw new Error('Chromium is not running: use the browser inside a test or a hook');
    return browser;
  };
  return { browser: running, inspectorView: (defaults = {}) => inspectorView(running, defaults) };
}

function inspectorView(browser: () => Browser, defaults: ViewOptions): InspectorView {
  const scheme = defaults.colorScheme ?? 'light';
  const size = { width: defaults.width ?? 1400, height: defaults.height ?? 900 };
  let session: InspectorSession | null = null;
  let used = false;
  beforeAll(async () => {
    const backend = new FakeInspectorBackend();
    const inspector = await startInspector({ backend, port: 0 });
    const context = await browser().newContext({ viewport: size, colorScheme: scheme });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: inspector.url.replace(/\/$/, '') });
    await context.addInitScript(pauseEndlessAnimations);
    const page = await context.newPage();
    const problems: string[] = [];
    watch(page, inspector.url, problems);
    // The URL the inspector prints: the browser takes the access token's cookie, as a user's does.
    await page.goto(inspector.openUrl);
    await page.locator('.live.on').waitFor();
    session = { backend, inspector, context, page, problems };
  });
  afterAll(async () => {
    await session?.context.close();
    await session?.inspector.close();
  });
  afterEach(async () => {
    if (!session || !used) return;
    used = false;
    const { page, inspector, problems } = session;
    try {
      // What the test left for the next one: the origin's storage (the theme) and the clipboard.
      if (!page.url().startsWith(inspector.url)) await page.goto(inspector.url);
      await page.evaluate(async () => {
        const window = globalThis as any;
        window.localStorage.clear();
        await window.navigator.clipboard.writeText('');
      });
      expect([...problems]).toEqual([]);
    } finally {
      problems.length = 0;
    }
  });
  return {
    open: async (options = {}) => {
      if (!session) throw new Error('inspectorView() is set up in beforeAll: open it inside a test');
      const { colorScheme = scheme, width = size.width, height = size.height, ...backendOptions } = options;
      used = true;
      session.backend.reset({ count: 200, ...backendOptions });
      // Always set: a test may have changed them (emulateMedia) on the shared page.
      await session.page.emulateMedia({ colorScheme });
      await session.page.setViewportSize({ width, height });
      return session;
    },
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
