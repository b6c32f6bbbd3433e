/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { BOT_CHECK, type SiteVerify, startSiteVerify } from './support/bot-check-providers.js';
import { HAS_CHROMIUM, launchChromium } from './support/browser.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';

/**
 * The page's bot-check widget in Chromium. Turnstile's script is fetched from
 * its own origin (https://challenges.cloudflare.com), which the page's
 * Content-Security-Policy must allow; the browser gets a stand-in of it that
 * keeps Turnstile's explicit-render interface (render, getResponse, reset) and
 * hands out tokens the local siteverify knows. Nothing else leaves the API.
 */
(HAS_CHROMIUM ? describe : describe.skip)('the bot-check widget on the page (Turnstile, in Chromium)', () => {
  let browser: Browser;
  let verify: SiteVerify;

  beforeAll(async () => {
    verify = await startSiteVerify('turnstile');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await verify?.close();
  });

  async function pageOf(when: string): Promise<{ stack: Stack; page: Page; scripts: string[]; outside: string[] }> {
    const stack = await startStack({
      env: {
        SMS_DELAY_MS: '100-200',
        BOT_CHECK_PROVIDER: 'turnstile',
        BOT_CHECK_SITE_KEY: BOT_CHECK.siteKey,
        BOT_CHECK_SECRET: BOT_CHECK.secret,
        BOT_CHECK_VERIFY_URL: verify.url,
        BOT_CHECK_WHEN: when,
        BOT_CHECK_ADDRESS_THRESHOLD: '1',
      },
    });
    const { port } = stack.api.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const context = await browser.newContext();
    const scripts: string[] = [];
    const outside: string[] = [];
    // A fresh token for each solve, made by the local siteverify, so the API's check is the real one.
    await context.exposeFunction('issueToken', () => verify.issue({ hostname: '127.0.0.1' }));
    await context.route(
      (url) => !url.href.startsWith(base),
      async (route) => {
        const url = new URL(route.request().url());
        if (url.origin === 'https://challenges.cloudflare.com' && url.pathname === '/turnstile/v0/api.js') {
          scripts.push(url.search);
          await route.fulfill({ contentType: 'application/javascript', body: TURNSTILE_STAND_IN });
          return;
        }
        outside.push(url.href);
        await route.abort('internetdisconnected');
      },
    );
    const page = await context.newPage();
    await page.goto(base + '/');
    return { stack, page, scripts, outside };
  }

  it('shows the widget from the start with BOT_CHECK_WHEN=always, sends its token once, and resets it', async () => {
    const { stack, page, scripts, outside } = await pageOf('always');
    try {
      await page.getByRole('button', { name: 'Verify you are human' }).waitFor();
      expect(scripts).toEqual(['?render=explicit&onload=onBotCheckLoad']);
      const phone = nextPhone();
      await page.getByRole('textbox', { name: 'Phone number' }).fill(phone);
      // Unsolved: the API refuses, the page says what to do.
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText(/complete the check above the button/).waitFor();
      const calls = verify.calls.length;
      await page.getByRole('button', { name: 'Verify you are human' }).click();
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
      expect(verify.calls.length).toBe(calls + 1);
      expect(verify.calls.at(-1)!.fields).toMatchObject({ secret: BOT_CHECK.secret });
      // Used once: the widget asks again.
      expect(await page.evaluate(() => (window as unknown as { solved: string | null }).solved)).toBeNull();
      expect(outside).toEqual([]);
    } finally {
      await page.context().close();
      await stack.close();
    }
  });

  it('shows the widget only once the API asks for it (BOT_CHECK_WHEN=address), then lets the person on', async () => {
    const { stack, page, scripts } = await pageOf('address');
    try {
      // The first sign-up from this address needs no check: no widget, no provider script.
      await page.getByRole('textbox', { name: 'Phone number' }).fill(nextPhone());
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
      expect(scripts).toEqual([]);
      expect(await page.locator('#bot-check').isHidden()).toBe(true);
      // The second is asked for one: the widget appears; solved, the code is sent.
      await page.getByRole('button', { name: 'Use another number' }).click();
      await page.getByRole('textbox', { name: 'Phone number' }).fill(nextPhone());
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText(/complete the check above the button/).waitFor();
      await page.getByRole('button', { name: 'Verify you are human' }).click();
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
      expect(scripts).toHaveLength(1);
    } finally {
      await page.context().close();
      await stack.close();
    }
  });
});

/** Turnstile's explicit-render interface, as the page uses it; a solve asks the test for a token. */
const TURNSTILE_STAND_IN = `
  window.solved = null;
  window.turnstile = {
    render(element, options) {
      if (options.sitekey !== ${JSON.stringify(BOT_CHECK.siteKey)}) throw new Error('wrong site key');
      const box = document.createElement('button');
      box.type = 'button';
      box.textContent = 'Verify you are human';
      box.addEventListener('click', async () => {
        window.solved = await window.issueToken();
        box.textContent = 'Success!';
      });
      element.appendChild(box);
      this.box = box;
      return 'widget-1';
    },
    getResponse(id) { return id === 'widget-1' ? window.solved : undefined; },
    reset(id) { if (id === 'widget-1') { window.solved = null; this.box.textContent = 'Verify you are human'; } },
  };
  window.onBotCheckLoad();
`;
