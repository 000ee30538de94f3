import type { Page } from 'playwright-core';
import { DRIVERS } from '../support/test-database';
import { problemsBesidesPlaceholderToken, tickUntilShown, useBrowserSuite, type BrowserPage } from '../support/browser';

const OPERATOR_TOKEN = 'graphiql-operator-token-0123456789';

/**
 * Types into GraphiQL's Headers tab. Its editor closes quotes and braces as they are typed;
 * what it added after the cursor is deleted.
 */
async function typeHeaders(page: Page, headers: Record<string, string>): Promise<void> {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(JSON.stringify(headers));
  await page.keyboard.press('Shift+End');
  await page.keyboard.press('Delete');
}

/** GraphiQL's result pane, once it shows `pattern` (its editor may render spaces as no-break spaces: match them with \s). */
async function responseMatching(page: Page, pattern: RegExp, timeout?: number): Promise<string> {
  const pane = page.locator('.graphiql-response');
  await pane.filter({ hasText: pattern }).waitFor({ timeout });
  return ((await pane.textContent()) ?? '').replace(/\u00a0/g, ' ');
}

describe.each(DRIVERS)('GraphiQL on %s', (driver) => {
  const suite = useBrowserSuite(driver, { env: { AOL_API_TOKEN: OPERATOR_TOKEN } });

  /** GraphiQL at /graphql with `query` in its editor (the page reads it from the address's #query=), signed in as grace. */
  async function openGraphiql(query: string): Promise<BrowserPage> {
    const tab = await suite.openTab();
    await tab.page.goto(`${suite.origin}/graphql#query=${encodeURIComponent(query)}`);
    await tab.page.getByRole('button', { name: /^Execute query/ }).waitFor();
    await typeHeaders(tab.page, { Authorization: `Bearer ${OPERATOR_TOKEN}`, 'X-AOL-Actor': 'grace' });
    return tab;
  }

  it('renders from the service alone and runs a subscription over graphql-ws that receives tickCompleted', async () => {
    const tab = await openGraphiql('subscription Ticks { tickCompleted { id outcome } }');
    const { page } = tab;
    await page.getByRole('button', { name: /^Execute query/ }).click();
    const shown = await tickUntilShown(suite.aol, (id) => responseMatching(page, new RegExp(`"id":\\s"${id}"`), 1000).catch(() => ''));
    expect(shown).toMatch(/"tickCompleted": \{\s*"id": "\d+",\s*"outcome": "SUCCESS"/);
    await tab.screenshot(`${driver}-graphiql-subscription`);
    expect(problemsBesidesPlaceholderToken(tab)).toEqual([]);
  });

  it('sends the Headers tab with queries and mutations: the token, and the actor for the audit trail', async () => {
    const tab = await openGraphiql('mutation { pause(reason: "from GraphiQL") { paused updatedBy } }');
    const { page } = tab;
    await page.getByRole('button', { name: /^Execute query/ }).click();
    expect(await responseMatching(page, /operator:grace/)).toMatch(/"paused": true/);
    const [event] = await suite.aol.sql<{ actor: string }>("select actor from aol_control_events where reason = 'from GraphiQL'");
    expect(event.actor).toBe('operator:grace');
    await tab.screenshot(`${driver}-graphiql-mutation`);
    expect(problemsBesidesPlaceholderToken(tab)).toEqual([]);
  });
});
