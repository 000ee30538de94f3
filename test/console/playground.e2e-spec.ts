import type { Page } from 'playwright-core';
import { DRIVERS } from '../support/test-database';
import { problemsBesidesPlaceholderToken, tickUntilShown, useBrowserSuite, type BrowserPage } from '../support/browser';

const OPERATOR_TOKEN = 'playground-operator-token-0123456789';

/** Sets the HTTP HEADERS pane of Playground's tab (a CodeMirror editor: its value is set through its own API, as typing would). */
async function setHeaders(page: Page, headers: Record<string, string>): Promise<void> {
  await page.getByText(/^HTTP HEADERS/i).click();
  await page.locator('.CodeMirror').evaluateAll((elements, text) => {
    const editors = elements.map(
      (element) => (element as unknown as { CodeMirror: { getValue(): string; setValue(value: string): void } }).CodeMirror,
    );
    const editor = editors.find((candidate) => candidate.getValue().includes('Authorization'));
    if (!editor) throw new Error('No headers editor');
    editor.setValue(text);
  }, JSON.stringify(headers));
}

/** The page's text once it shows `pattern` (results are the only place with quoted JSON keys: the editor holds the query). */
async function pageMatching(page: Page, pattern: RegExp, timeout?: number): Promise<string> {
  const body = page.locator('body');
  await body.filter({ hasText: pattern }).waitFor({ timeout });
  return (await body.innerText()).replace(/\u00a0/g, ' ');
}

describe.each(DRIVERS)('GraphQL Playground on %s', (driver) => {
  const suite = useBrowserSuite(driver, { env: { AOL_API_TOKEN: OPERATOR_TOKEN } });

  /** Playground at /playground with `query` in its editor (read from the address's #query=), signed in. */
  async function openPlayground(query: string): Promise<BrowserPage> {
    const tab = await suite.openTab();
    await tab.page.goto(`${suite.origin}/playground#query=${encodeURIComponent(query)}`);
    await tab.page.getByTitle('Execute Query (Ctrl-Enter)').waitFor();
    await setHeaders(tab.page, { Authorization: `Bearer ${OPERATOR_TOKEN}` });
    return tab;
  }

  it('renders from the service alone and runs a subscription over the legacy protocol that receives tickCompleted', async () => {
    const tab = await openPlayground('subscription Ticks { tickCompleted { id outcome } }');
    const { page } = tab;
    await page.getByTitle('Execute Query (Ctrl-Enter)').click();
    const shown = await tickUntilShown(suite.aol, (id) => pageMatching(page, new RegExp(`"id":\\s*"${id}"`), 1000).catch(() => ''));
    expect(shown).toMatch(/"tickCompleted":\s*\{\s*"id":\s*"\d+",\s*"outcome":\s*"SUCCESS"/);
    await tab.screenshot(`${driver}-playground-subscription`);
    expect(problemsBesidesPlaceholderToken(tab)).toEqual([]);
  });
});
