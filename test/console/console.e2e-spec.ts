import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { DRIVERS } from '../support/test-database';
import { ENQUEUE_ACTION, type ActionView } from '../support/actions';
import { signInBeforeLoad, useBrowserSuite, type BrowserPage } from '../support/browser';
import { ExplodingHandler, withSocialHandler } from '../support/test-handlers';
import { FakeMastodon } from '../support/fake-mastodon';

const OPERATOR_TOKEN = 'console-operator-token-0123456789';
const READ_TOKEN = 'console-read-token-0123456789ab';
const MASTODON_TOKEN = 'console-mastodon-token-0123456789';
const asOperator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

/** Waits until the header's live region says the subscriptions are connected. */
async function waitUntilLive(page: Page): Promise<void> {
  await page
    .getByRole('banner')
    .getByRole('status')
    .filter({ hasText: /^Live$/ })
    .waitFor();
}

async function signIn(page: Page, token: string, actor?: string): Promise<void> {
  await page.getByLabel('Token').fill(token);
  if (actor) await page.getByLabel('Actor').fill(actor);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitUntilLive(page);
}

/** The row of a table in `scope` that mentions `text`. */
function rowWith(scope: Page | Locator, text: string): Locator {
  return scope.locator('tr').filter({ hasText: text });
}

/** Answers the reason dialog and confirms with its button `confirm`. */
async function giveReason(page: Page, reason: string, confirm: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe.each(DRIVERS)('the console on %s', (driver) => {
  let handler: ExplodingHandler | undefined;
  // A Mastodon to look NEEDS_REVIEW posts up on; the actions here run in PROOF mode and post nothing.
  let mastodon: FakeMastodon;
  const env: Record<string, string> = {
    AOL_API_TOKEN: OPERATOR_TOKEN,
    AOL_READ_TOKEN: READ_TOKEN,
    AOL_MAX_RETRIES: '0',
    AOL_MAX_ACTIONS_PER_TICK: '10',
  };
  beforeAll(async () => {
    mastodon = await FakeMastodon.start({ token: MASTODON_TOKEN });
    Object.assign(env, { AOL_MASTODON_BASE_URL: mastodon.url, AOL_MASTODON_ACCESS_TOKEN: MASTODON_TOKEN });
  });
  afterAll(() => mastodon?.close());
  const suite = useBrowserSuite(driver, { env, override: withSocialHandler((real) => (handler = new ExplodingHandler(real, 'explode'))) });

  async function enqueue(key: string, text = `hello from ${key}`): Promise<ActionView> {
    const response = await suite.aol.graphql(
      ENQUEUE_ACTION,
      { input: { type: 'POST_SOCIAL', idempotencyKey: key, payload: { platform: 'mastodon', text } } },
      asOperator,
    );
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.enqueueAction.action;
  }

  /** A fresh tab at `path`, already signed in (as the page keeps it) as the operator `alice` unless told otherwise. */
  async function openConsole(path = '/', token = OPERATOR_TOKEN, actor = 'alice'): Promise<BrowserPage> {
    const tab = await suite.openTab();
    await signInBeforeLoad(tab.context, { token, actor });
    await tab.page.goto(`${suite.origin}${path}`);
    await waitUntilLive(tab.page);
    return tab;
  }

  beforeAll(async () => {
    await suite.aol.tick(); // a leader, so the overview has one to show
  });

  it('loads with no request to another host, asks for a token, then shows the leader and the flags', async () => {
    const tab = await suite.openTab();
    const { page } = tab;
    await page.goto(`${suite.origin}/`);
    await page.getByRole('alert').filter({ hasText: '401' }).waitFor();
    await signIn(page, OPERATOR_TOKEN, 'alice');

    const leader = page.getByRole('region', { name: 'Leader' });
    await leader.getByText(suite.aol.config.instanceId, { exact: true }).first().waitFor();
    expect(await leader.getByText('Epoch').locator('xpath=..').textContent()).toMatch(/Epoch\d+/);
    const flags = page.getByRole('region', { name: 'Switchboard' });
    for (const [flag, value] of [
      ['Paused', 'no'],
      ['Killed', 'no'],
      ['Proof mode', 'yes'],
    ]) {
      expect(await flags.getByText(flag, { exact: true }).locator('xpath=following-sibling::dd').textContent()).toBe(value);
    }
    expect(await page.getByText('This API is open').count()).toBe(0);
    await page.getByRole('contentinfo').getByText('operator:alice').waitFor();
    await tab.screenshot(`${driver}-overview`);
    // The 401 before signing in is the only error the page logged.
    expect(tab.problems.filter((problem) => !problem.includes('401'))).toEqual([]);
  });

  it('shows an enqueued action without a reload, changes its status live as ticks run it, and shows its artifact and SHA-256', async () => {
    const tab = await openConsole('/#/actions');
    const { page } = tab;
    const action = await enqueue('console-live-1');
    const row = rowWith(page, 'console-live-1');
    await row.getByText('PENDING', { exact: true }).waitFor();

    await suite.aol.tick();
    await row.getByText('SUCCESS', { exact: true }).waitFor();
    await tab.screenshot(`${driver}-actions`);

    await row.getByRole('link', { name: action.id, exact: true }).click();
    const [stored] = await suite.aol.sql<{ artifact_ref: string; artifact_sha256: string }>(
      'select artifact_ref, artifact_sha256 from aol_actions where id = ?',
      [Number(action.id)],
    );
    expect(stored.artifact_sha256).toMatch(/^[0-9a-f]{64}$/);
    const artifact = page.getByRole('region', { name: 'Artifact' });
    await artifact.getByText(stored.artifact_sha256, { exact: true }).waitFor();
    await artifact.getByText(stored.artifact_ref, { exact: true }).waitFor();
    // The SHA-256 shown is the file's.
    const file = await readFile(join(suite.aol.artifactDir, stored.artifact_ref));
    expect(createHash('sha256').update(file).digest('hex')).toBe(stored.artifact_sha256);
    await rowWith(page, 'PROOF').getByText('SUCCESS', { exact: true }).waitFor(); // the attempt
    await tab.screenshot(`${driver}-action-detail`);
    expect(tab.problems).toEqual([]);
  });

  it('filters actions by idempotency key and error code with their total, and keeps idle ticks out of the ledger unless asked', async () => {
    await enqueue('console-filter-ok');
    await enqueue('console-filter-failing');
    // What a failed attempt leaves behind (its error code), on a row still PENDING.
    await suite.aol.sql("update aol_actions set last_error_code = 'RATE_LIMITED' where idempotency_key = 'console-filter-failing'");
    const tab = await openConsole('/#/actions');
    const { page } = tab;
    const actions = page.getByRole('region', { name: 'Actions' });
    const total = actions.getByRole('status');
    await rowWith(actions, 'console-filter-failing').waitFor();

    await actions.getByLabel('Idempotency key').fill('console-filter-ok');
    await actions.getByLabel('Idempotency key').press('Enter');
    await total.filter({ hasText: /^1 action matches$/ }).waitFor();
    await rowWith(actions, 'console-filter-ok').waitFor();
    expect(await rowWith(actions, 'console-filter-failing').count()).toBe(0);

    await actions.getByLabel('Idempotency key').fill('');
    await actions.getByLabel('Error code').fill('RATE_LIMITED');
    await actions.getByRole('button', { name: 'Filter', exact: true }).click();
    await rowWith(actions, 'console-filter-failing').waitFor();
    await total.filter({ hasText: /^1 action matches$/ }).waitFor();
    expect(await rowWith(actions, 'console-filter-ok').count()).toBe(0);
    await tab.screenshot(`${driver}-actions-filtered`);

    // The ledger: the first tick (before any action) was idle; a busy one runs console-filter-ok.
    const busy = (await suite.aol.tick()).tick!;
    expect(busy.attempted).toBeGreaterThan(0);
    const [idle] = await suite.aol.sql<{ id: unknown }>('select min(id) as id from aol_tick_ledger where attempted = 0');
    await page.getByRole('link', { name: 'Audit' }).click();
    const ledger = page.getByRole('region', { name: 'Tick ledger' });
    await ledger.getByRole('rowheader', { name: String(busy.id), exact: true }).waitFor();
    await ledger.getByRole('status').filter({ hasText: 'idle ticks hidden' }).waitFor();
    expect(await ledger.getByRole('rowheader', { name: String(idle.id), exact: true }).count()).toBe(0);
    await ledger.getByLabel('Show idle ticks').check();
    await ledger.getByRole('rowheader', { name: String(idle.id), exact: true }).waitFor();
    await ledger.getByRole('status').filter({ hasText: 'ticks in the ledger' }).waitFor();
    await tab.screenshot(`${driver}-ledger-with-idle`);
    expect(tab.problems).toEqual([]);
  });

  it('pauses with a reason: the flags show it, the audit lists it with the actor', async () => {
    const tab = await openConsole();
    const { page } = tab;
    const flags = page.getByRole('region', { name: 'Switchboard' });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await giveReason(page, 'checking a complaint', 'Pause');
    await flags.getByText('Paused', { exact: true }).locator('xpath=following-sibling::dd[.="yes"]').waitFor();
    await flags.getByText('checking a complaint').waitFor();
    expect(await flags.textContent()).toContain('operator:alice');
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
    await tab.screenshot(`${driver}-paused`);

    await page.getByRole('link', { name: 'Audit' }).click();
    const event = rowWith(page, 'checking a complaint');
    await event.getByText('PAUSE', { exact: true }).waitFor();
    await event.getByText('operator:alice', { exact: true }).waitFor();
    await tab.screenshot(`${driver}-audit`);

    const [stored] = await suite.aol.sql<{ actor: string; kind: string }>(
      "select actor, kind from aol_control_events where reason = 'checking a complaint'",
    );
    expect(stored).toEqual({ actor: 'operator:alice', kind: 'PAUSE' });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await giveReason(page, 'complaint handled', 'Resume');
    await flags.getByText('Paused', { exact: true }).locator('xpath=following-sibling::dd[.="no"]').waitFor();
    expect(tab.problems).toEqual([]);
  });

  it('kills only once the word KILL is typed, and revives', async () => {
    const tab = await openConsole();
    const { page } = tab;
    await page.getByRole('button', { name: 'Kill', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('runaway posting');
    const confirm = dialog.getByRole('button', { name: 'Kill', exact: true });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type KILL to confirm').fill('kill');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type KILL to confirm').fill('KILL');
    await confirm.click();
    const flags = page.getByRole('region', { name: 'Switchboard' });
    await flags.getByText('Killed', { exact: true }).locator('xpath=following-sibling::dd[.="yes"]').waitFor();
    expect((await suite.aol.sql<{ killed: unknown }>('select killed from aol_control_flags'))[0].killed).toBeTruthy();

    await page.getByRole('button', { name: 'Revive', exact: true }).click();
    await giveReason(page, 'fixed', 'Revive');
    await flags.getByText('Killed', { exact: true }).locator('xpath=following-sibling::dd[.="no"]').waitFor();
    expect(tab.problems).toEqual([]);
  });

  it('approves and rejects what awaits approval from the page: the approved one runs, the rejected one never does', async () => {
    const [approved, rejected] = [await enqueue('console-approve'), await enqueue('console-reject')];
    // PROOF mode asks for no approval under the default policy: put them where REAL mode would.
    for (const { id } of [approved, rejected])
      await suite.aol.sql(`update aol_actions set status = 'AWAITING_APPROVAL' where id = ?`, [Number(id)]);

    const tab = await openConsole('/#/attention');
    const { page } = tab;
    const awaiting = page.getByRole('region', { name: 'Awaiting approval' });
    for (const key of ['console-approve', 'console-reject']) await rowWith(awaiting, key).waitFor();
    expect(await rowWith(awaiting, 'console-approve').getByRole('button', { name: 'Retry', exact: true }).isDisabled()).toBe(true);

    await rowWith(awaiting, 'console-approve').getByRole('button', { name: 'Approve', exact: true }).click();
    await giveReason(page, 'wording checked', 'Approve');
    await rowWith(awaiting, 'console-approve').getByText('PENDING', { exact: true }).waitFor();
    await rowWith(awaiting, 'console-reject').getByRole('button', { name: 'Reject', exact: true }).click();
    await giveReason(page, 'off brand', 'Reject');
    await awaiting.locator('tr[data-status="REJECTED"]').filter({ hasText: 'console-reject' }).waitFor();

    await suite.aol.tick();
    await rowWith(awaiting, 'console-approve').getByText('SUCCESS', { exact: true }).waitFor();
    const events = await suite.aol.sql<{ kind: string; actor: string; reason: string }>(
      "select kind, actor, reason from aol_control_events where kind in ('APPROVE_ACTION', 'REJECT_ACTION') order by id",
    );
    expect(events).toEqual([
      { kind: 'APPROVE_ACTION', actor: 'operator:alice', reason: 'wording checked' },
      { kind: 'REJECT_ACTION', actor: 'operator:alice', reason: 'off brand' },
    ]);
    const statuses = await suite.aol.sql<{ status: string }>('select status from aol_actions where id = ?', [Number(rejected.id)]);
    expect(statuses).toEqual([{ status: 'REJECTED' }]);
  });

  it('retries dead letters from the page, one row and a selection, and they end SUCCESS', async () => {
    handler!.armed = true;
    const keys = ['console-dlq-1', 'console-dlq-2', 'console-dlq-3'];
    for (const key of keys) await enqueue(key, `please explode ${key}`);
    await suite.aol.tick();
    for (const key of keys)
      expect((await suite.aol.sql<{ status: string }>('select status from aol_actions where idempotency_key = ?', [key]))[0].status).toBe(
        'DLQ',
      );
    handler!.armed = false;

    const tab = await openConsole('/#/attention');
    const { page } = tab;
    const deadLetters = page.getByRole('region', { name: 'Dead letters' });
    for (const key of keys) await rowWith(deadLetters, key).waitFor();
    await tab.screenshot(`${driver}-dead-letters`);

    await rowWith(deadLetters, 'console-dlq-1').getByRole('button', { name: 'Retry', exact: true }).click();
    await giveReason(page, 'token renewed', 'Retry');
    await rowWith(deadLetters, 'console-dlq-1').getByText('PENDING', { exact: true }).waitFor();

    for (const key of keys.slice(1)) {
      await rowWith(deadLetters, key).getByRole('checkbox').check();
    }
    await deadLetters.getByRole('button', { name: 'Retry selected (2)' }).click();
    await giveReason(page, 'all at once', 'Retry');
    for (const key of keys) await rowWith(deadLetters, key).getByText('PENDING', { exact: true }).waitFor();

    await suite.aol.tick();
    for (const key of keys) await rowWith(deadLetters, key).getByText('SUCCESS', { exact: true }).waitFor();
    await tab.screenshot(`${driver}-retried`);
    const events = await suite.aol.sql<{ actor: string; reason: string }>(
      "select actor, reason from aol_control_events where kind = 'RETRY_ACTION' order by id",
    );
    expect(events).toEqual([
      { actor: 'operator:alice', reason: 'token renewed' },
      { actor: 'operator:alice', reason: 'all at once' },
      { actor: 'operator:alice', reason: 'all at once' },
    ]);
    expect(tab.problems).toEqual([]);
  });

  it("settles what needs review from an action's page: looked up and found, marked posted, marked not posted (then it runs)", async () => {
    const [lookedUp, posted, notPosted] = [
      await enqueue('console-review-lookup', 'Found on the timeline'),
      await enqueue('console-review-posted', 'Found by a person'),
      await enqueue('console-review-not-posted', 'Never went out'),
    ];
    // What a leader that died mid-post leaves behind.
    for (const { id } of [lookedUp, posted, notPosted])
      await suite.aol.sql(`update aol_actions set status = 'NEEDS_REVIEW', attempts = 1 where id = ?`, [Number(id)]);
    const status = mastodon.postDirectly('Found on the timeline');

    const tab = await openConsole(`/#/actions/${lookedUp.id}`);
    const { page } = tab;
    const operations = page.getByRole('group', { name: 'Operations' });
    await page
      .getByRole('heading', { name: `Action ${lookedUp.id}` })
      .getByText('NEEDS_REVIEW')
      .waitFor();
    expect(await operations.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(true);
    await operations.getByRole('button', { name: 'Look up', exact: true }).click();
    await giveReason(page, 'checking the timeline', 'Look up');
    await page
      .getByRole('heading', { name: `Action ${lookedUp.id}` })
      .getByText('SUCCESS')
      .waitFor();
    await page.getByRole('link', { name: status.url }).waitFor();
    expect(await operations.getByRole('status').textContent()).toBe('Looked up 1 of 1');
    await tab.screenshot(`${driver}-looked-up`);

    await page.goto(`${suite.origin}/#/actions/${posted.id}`);
    await page
      .getByRole('heading', { name: `Action ${posted.id}` })
      .getByText('NEEDS_REVIEW')
      .waitFor();
    expect(await operations.getByRole('status').textContent()).toBe(''); // the last action's outcome is not this one's
    await operations.getByRole('button', { name: 'Mark posted', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('seen on the account');
    const confirm = dialog.getByRole('button', { name: 'Mark posted', exact: true });
    expect(await confirm.isDisabled()).toBe(true); // the address is asked for too
    await dialog.getByLabel("The post's address").fill('https://social.example/@aol/42');
    await tab.screenshot(`${driver}-mark-posted`);
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('heading', { name: `Action ${posted.id}` })
      .getByText('SUCCESS')
      .waitFor();
    await page.getByRole('link', { name: 'https://social.example/@aol/42' }).waitFor();

    await page.goto(`${suite.origin}/#/actions/${notPosted.id}`);
    await page
      .getByRole('heading', { name: `Action ${notPosted.id}` })
      .getByText('NEEDS_REVIEW')
      .waitFor();
    await operations.getByRole('button', { name: 'Mark not posted', exact: true }).click();
    await giveReason(page, 'not on the account', 'Mark not posted');
    await page
      .getByRole('heading', { name: `Action ${notPosted.id}` })
      .getByText('PENDING')
      .waitFor();
    await suite.aol.tick();
    await page
      .getByRole('heading', { name: `Action ${notPosted.id}` })
      .getByText('SUCCESS')
      .waitFor();

    const events = await suite.aol.sql<{ kind: string; actor: string; reason: string }>(
      "select kind, actor, reason from aol_control_events where kind = 'RESOLVE_ACTION' order by id",
    );
    expect(events).toEqual(
      ['checking the timeline', 'seen on the account', 'not on the account'].map((reason) => ({
        kind: 'RESOLVE_ACTION',
        actor: 'operator:alice',
        reason,
      })),
    );
    expect(mastodon.statusRequests).toHaveLength(0); // settled without posting anything
    expect(tab.problems).toEqual([]);
  });

  it('disables every control for the read token, and the API refuses them anyway', async () => {
    await enqueue('console-read-only');
    const tab = await openConsole('/', READ_TOKEN, 'viewer-bob');
    const { page } = tab;
    await page.getByText('Read only').first().waitFor();
    const controls = page.getByRole('group', { name: 'Controls' }).getByRole('button');
    await controls.first().waitFor();
    expect(await controls.count()).toBe(5);
    for (const button of await controls.all()) {
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toContain('may read but not change');
    }
    await tab.screenshot(`${driver}-read-only`);

    await page.getByRole('link', { name: 'Actions', exact: true }).click();
    const row = rowWith(page, 'console-read-only');
    for (const name of ['Retry', 'Cancel']) expect(await row.getByRole('button', { name, exact: true }).isDisabled()).toBe(true);

    const before = await suite.aol.sql('select paused, killed, proof_mode, reason from aol_control_flags');
    const refused = await page.evaluate(async (token) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation { pause(reason: "from the page") { paused } }' }),
      });
      return { status: response.status, body: (await response.json()) as { errors: Array<{ extensions: { code: string } }> } };
    }, READ_TOKEN);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await suite.aol.sql('select paused, killed, proof_mode, reason from aol_control_flags')).toEqual(before);
    expect(tab.problems.filter((problem) => !problem.includes('403'))).toEqual([]);
  });
});

describe.each(DRIVERS)('the console of an open API on %s', (driver) => {
  const suite = useBrowserSuite(driver);

  it('says the API is open, works without signing in, and announces a lost connection until it is back', async () => {
    const tab = await suite.openTab();
    // The page's sockets pass through here, so the test can cut them as a network would.
    let reachable = true;
    const sockets: WebSocketRoute[] = [];
    await tab.page.routeWebSocket(/\/graphql$/, (socket) => {
      if (!reachable) return void socket.close({ code: 1006 });
      socket.connectToServer();
      sockets.push(socket);
    });
    await tab.page.goto(`${suite.origin}/`);
    await waitUntilLive(tab.page);
    await tab.page.getByText('This API is open').waitFor();
    await tab.page.getByRole('contentinfo').getByText('anonymous', { exact: true }).waitFor();
    expect(await tab.page.getByRole('button', { name: 'Pause', exact: true }).isEnabled()).toBe(true);
    await tab.screenshot(`${driver}-open-api`);

    reachable = false;
    for (const socket of sockets.splice(0)) await socket.close({ code: 1006 });
    await tab.page.getByRole('banner').getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await tab.screenshot(`${driver}-reconnecting`);
    reachable = true;
    await waitUntilLive(tab.page);
    expect(tab.problems).toEqual([]);
  });
});
