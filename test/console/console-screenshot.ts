import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { ENQUEUE_ACTIONS } from '../support/actions';
import { launchChromium, signInBeforeLoad } from '../support/browser';
import { ExplodingHandler, withSocialHandler } from '../support/test-handlers';

/**
 * docs/console.png, README's picture of the console: `npm run docs:screenshot`. A real service
 * on a fresh SQLite file runs for SCREENSHOT_MINUTES (default 4) of ticks every 3 seconds while
 * posts are enqueued, some fail (and a few end in the DLQ), and an operator pauses once.
 */
const MINUTES = Number(process.env.SCREENSHOT_MINUTES ?? 4);
const TOKEN = 'screenshot-operator-token-0123456789';
const PLATFORMS = ['mastodon', 'bluesky', 'linkedin'];
const TEXTS = [
  'Our autumn release is out',
  'Webinar on Thursday at 10:00',
  'Five tips for better onboarding',
  'Customer story: a year with us',
];

it('takes the README screenshot of the console', async () => {
  let db: TestDatabase | undefined;
  let aol: TestApp | undefined;
  const browser = await launchChromium();
  try {
    db = await createTestDatabase('sqlite');
    aol = await startTestApp(db, {
      env: { AOL_API_TOKEN: TOKEN, AOL_MAX_RETRIES: '1', AOL_RETRY_BASE_SECONDS: '5', AOL_MAX_ACTIONS_PER_TICK: '5' },
      override: withSocialHandler((real) => new ExplodingHandler(real, 'timeout', ': upstream timeout')),
    });
    const auth = { authorization: `Bearer ${TOKEN}`, 'x-aol-actor': 'alice' };
    const end = Date.now() + MINUTES * 60_000;
    for (let round = 0; Date.now() < end; round++) {
      const inputs = Array.from({ length: round % 3 }, (_, i) => ({
        type: 'POST_SOCIAL',
        idempotencyKey: `campaign-${round}-${i}`,
        payload: {
          platform: PLATFORMS[(round + i) % PLATFORMS.length],
          text: `${TEXTS[(round + i) % TEXTS.length]}${(round + i) % 11 === 0 ? ' (timeout)' : ''}`,
        },
      }));
      if (inputs.length) await aol.graphql(ENQUEUE_ACTIONS, { inputs }, auth);
      if (round === 20) await aol.graphql('mutation { pause(reason: "checking a complaint about the webinar post") { paused } }', {}, auth);
      if (round === 30) await aol.graphql('mutation { resume(reason: "complaint handled, nothing wrong") { paused } }', {}, auth);
      await aol.tick();
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    const origin = new URL(aol.graphqlUrl).origin;
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await signInBeforeLoad(context, { token: TOKEN, actor: 'alice' });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page
      .getByRole('banner')
      .getByRole('status')
      .filter({ hasText: /^Live$/ })
      .waitFor();
    await page.getByRole('region', { name: 'Leader' }).waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'console.png'), fullPage: true });
  } finally {
    await browser.close();
    await aol?.close();
    await db?.drop();
  }
}, 3_600_000);
