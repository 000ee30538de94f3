import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app';
import { createTestDatabase, type Driver, type TestDatabase } from './test-database';

/** Debian's chromium package; .ci/run installs it when missing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium calls
 * home (component updates, sync, field trials), which a closed network refuses. Playwright
 * gives every launch a fresh --user-data-dir of its own.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Git-ignored: what each browser test saw, for a person to look at. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Every request (HTTP or WebSocket) to another origin than the service's; each was refused. */
  foreignRequests: string[];
  /** Console errors and uncaught exceptions, CSP violations among them. */
  problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh browser context (its own storage) whose pages may reach `origin` only: any other
 * request is aborted and recorded, so a test can fail on it.
 */
export async function openBrowserPage(browser: Browser, origin: string): Promise<BrowserPage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  const host = new URL(origin).host;
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== host) foreignRequests.push(socket.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return {
    page,
    context,
    foreignRequests,
    problems,
    screenshot: async (name) => {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

/** Makes every page of `context` start signed in, as the console keeps a session in sessionStorage. */
export async function signInBeforeLoad(context: BrowserContext, session: { token: string; actor: string }): Promise<void> {
  await context.addInitScript({ content: `sessionStorage.setItem('aol:session', ${JSON.stringify(JSON.stringify(session))});` });
}

export interface BrowserSuite {
  readonly aol: TestApp;
  /** http://127.0.0.1:PORT, the only origin the tabs may reach. */
  readonly origin: string;
  /** A fresh tab; after the test it is closed, and must have reached the service only. */
  openTab(): Promise<BrowserPage>;
}

/** Chromium and a real service on a fresh `driver` database for the tests of one describe block. */
export function useBrowserSuite(driver: Driver, options: TestAppOptions = {}): BrowserSuite {
  let browser: Browser;
  let db: TestDatabase;
  let aol: TestApp;
  const tabs: BrowserPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    db = await createTestDatabase(driver);
    aol = await startTestApp(db, options);
  });

  afterEach(async () => {
    for (const tab of tabs.splice(0)) {
      expect(tab.foreignRequests).toEqual([]);
      await tab.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await aol?.close();
    await db?.drop();
  });

  return {
    get aol() {
      return aol;
    },
    get origin() {
      return new URL(aol.graphqlUrl).origin;
    },
    openTab: async () => {
      const tab = await openBrowserPage(browser, new URL(aol.graphqlUrl).origin);
      tabs.push(tab);
      return tab;
    },
  };
}

/** A tab's problems but the 401 of an IDE's first schema fetch, sent with the placeholder token of its headers. */
export function problemsBesidesPlaceholderToken(tab: BrowserPage): string[] {
  return tab.problems.filter((problem) => !problem.includes('401'));
}

/**
 * Runs ticks until `shown` finds one on the page (it answers what it found, or '' after its
 * wait): a subscription starts only once its socket is open and acknowledged.
 */
export async function tickUntilShown(aol: TestApp, shown: (tickId: string) => Promise<string>): Promise<string> {
  let found = '';
  for (let attempt = 0; attempt < 20 && !found; attempt++) {
    const report = await aol.tick();
    found = await shown(String(report.tick!.id));
  }
  return found;
}
