/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as jsqr from 'jsqr';
import { HAS_CHROMIUM, launchChromium } from './support/browser.js';
import {
  as,
  nextPhone,
  signIn as signInThroughApi,
  skipCooldown,
  startStack,
  waitForCode,
  type Stack,
} from './support/stack.js';

/** jsqr is CommonJS: the ES import sees its function (module.exports) as the default. */
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = (jsqr as unknown as { default?: Decode }).default ?? (jsqr as unknown as Decode);

/** The page, driven as a person would: keyboard and clicks, reading the simulated phone on the page. */
(HAS_CHROMIUM ? describe : describe.skip)('the web page in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let base: string;
  const outsideRequests: string[] = [];
  const pageProblems: Array<{ text: string; url: string }> = [];
  const expectedApiErrors: Array<{ status: number; path: string }> = [];
  /**
   * A test that makes the API refuse something on purpose says so: the browser
   * logs each 4xx answer to the console, and that line is then expected.
   */
  const expectApiError = (status: number, path: string) => expectedApiErrors.push({ status, path });

  beforeAll(async () => {
    // A gateway's delay, shortened: the page waits for the message as it would for a real one.
    stack = await startStack({
      env: { SMS_DELAY_MS: '200-400', REFERRAL_REWARD_INVITER: '100 credit', REFERRAL_REWARD_INVITEE: '7 days' },
    });
    const address = stack.api.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  // Each test works offline: nothing it loaded came from outside the API.
  afterEach(() => {
    expect(outsideRequests.splice(0)).toEqual([]);
    // No page logs an error or throws one (a missing favicon included), but for the refusals a test asked for.
    const expected = expectedApiErrors.splice(0);
    const problems = pageProblems.splice(0);
    const matches = (problem: { text: string; url: string }, refusal: { status: number; path: string }) =>
      problem.text.startsWith(`Failed to load resource: the server responded with a status of ${refusal.status} `) &&
      new URL(problem.url).pathname === refusal.path;
    expect(problems.filter((problem) => !expected.some((refusal) => matches(problem, refusal)))).toEqual([]);
    expect(expected.filter((refusal) => !problems.some((problem) => matches(problem, refusal)))).toEqual([]);
  });

  /** Opens a page with the network outside the API cut off, as on a machine that is offline. */
  async function open(context: BrowserContext, path = '/'): Promise<Page> {
    await context.route(
      (url) => !url.href.startsWith(base),
      async (route) => {
        outsideRequests.push(route.request().url());
        await route.abort('internetdisconnected');
      },
    );
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push({ text: message.text(), url: message.location().url });
    });
    page.on('pageerror', (error) => pageProblems.push({ text: `page error: ${error.message}`, url: page.url() }));
    await page.goto(base + path);
    return page;
  }

  /** The API requests a page makes from now on (the simulated inbox's polling aside), as "METHOD path". */
  function countApiCalls(page: Page): () => string[] {
    const seen: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/v1/') && !url.pathname.startsWith('/api/v1/dev/')) {
        seen.push(`${request.method()} ${url.pathname}`);
      }
    });
    return () => [...seen];
  }

  /** Phone → "Send code" (sending state, countdown) → code from the on-page inbox → profile. */
  async function signIn(page: Page, phone: string, username: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Phone number' }).fill(phone);
    await page.getByLabel(/^Username/).fill(username);
    await page.getByLabel(/^Username/).press('Enter');
    await page.getByText(/Sending your code/).waitFor();
    await page.getByRole('button', { name: /Send a new code in \d+ s/ }).waitFor();
    await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
    const use = page.getByRole('button', { name: /^Use \d{4}$/ });
    await use.click();
    await page.getByLabel('4-digit code').press('Enter');
    await page.getByRole('heading', { name: `Hello, ${username}` }).waitFor();
  }

  it('takes two people from phone to profile, one invites the other, and lists them', async () => {
    const first = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const second = await browser.newContext();
    try {
      const inviter = await open(first);
      await signIn(inviter, nextPhone(), 'page_inviter');
      const code = (await inviter.locator('#p-code').textContent())!.trim();
      expect(code).toMatch(/^[A-Z2-9]{6}$/);
      await inviter.getByRole('button', { name: 'Copy code' }).click();
      await inviter.getByText(`Copied ${code}`).waitFor();
      expect(await inviter.evaluate(() => navigator.clipboard.readText())).toBe(code);

      const friend = await open(second);
      const friendPhone = nextPhone();
      await signIn(friend, friendPhone, 'page_friend');
      // A wrong code first: the error is in plain words.
      expectApiError(422, '/api/v1/users/me/');
      await friend.getByLabel('Someone’s invite code').fill('ZZZZZZ');
      await friend.getByRole('button', { name: 'Use this code' }).click();
      await friend.getByRole('alert').getByText('Nobody has that invite code').waitFor();
      await friend.getByLabel('Someone’s invite code').fill(code.toLowerCase());
      await friend.getByLabel('Someone’s invite code').press('Enter');
      await friend.getByText(`You joined with the invite code ${code}`).waitFor();

      await inviter.reload();
      await inviter.getByText(/People who used your code: 1/).waitFor();
      await inviter.getByText(`page_friend · ${friendPhone}`).waitFor();
      // UPDATE_SCREENSHOT=1 refreshes the one in the README.
      const shot = process.env.UPDATE_SCREENSHOT === '1' ? 'docs/screenshot.png' : join(tmpdir(), 'referral-page.png');
      mkdirSync(dirname(shot), { recursive: true });
      await inviter.setViewportSize({ width: 1100, height: 600 });
      await inviter.screenshot({ path: shot, fullPage: true });

      // The profile has loaded all of itself (the devices come last) before the session ends.
      await friend.locator('#session-list li').first().waitFor();
      await friend.getByRole('button', { name: 'Sign out', exact: true }).click();
      await friend.getByRole('textbox', { name: 'Phone number' }).waitFor();
      expect(await friend.evaluate(() => sessionStorage.getItem('token'))).toBeNull();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('takes a friend from an invite link to an attributed account, and draws the link as a QR code', async () => {
    const first = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    // Chromium on Linux has no share sheet: this one records what the page shares.
    await first.addInitScript(() => {
      const page = window as unknown as { shared: unknown[] };
      page.shared = [];
      Object.defineProperty(navigator, 'share', {
        value: (data: unknown) => {
          page.shared.push(data);
          return Promise.resolve();
        },
      });
    });
    const second = await browser.newContext();
    const third = await browser.newContext();
    try {
      const inviter = await open(first);
      await signIn(inviter, nextPhone(), 'link_a');
      const link = (await inviter.locator('#p-link').textContent())!.trim();
      const code = (await inviter.locator('#p-code').textContent())!.trim();
      expect(link).toBe(`http://127.0.0.1:3000/?ref=${code}`);

      const image = await inviter.evaluate(() => {
        const canvas = document.getElementById('qr') as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        return { width: canvas.width, height: canvas.height, data: Array.from(pixels.data) };
      });
      expect(jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data).toBe(link);
      await inviter.getByRole('button', { name: 'Share' }).click();
      expect(await inviter.evaluate(() => (window as unknown as { shared: unknown[] }).shared)).toEqual([
        expect.objectContaining({ url: link }),
      ]);
      await inviter.getByRole('button', { name: 'Copy link' }).click();
      expect(await inviter.evaluate(() => navigator.clipboard.readText())).toBe(link);

      // The friend follows the link (on this server), reloads without it, and signs in: one step.
      const friend = await open(second, new URL(link).pathname + new URL(link).search);
      const calls = countApiCalls(friend);
      await friend.getByText('You were invited: your friend gets the credit when you sign in').waitFor();
      await friend.goto(base + '/');
      await friend.getByText(`You were invited`).waitFor();
      expect(await friend.locator('#invited-code').textContent()).toBe(code);
      const friendPhone = nextPhone();
      await signIn(friend, friendPhone, 'link_b');
      await friend.getByText(`You joined with the invite code ${code} from link_a`).waitFor();
      await friend.getByText('Your friend got the credit.').waitFor();
      expect(await friend.locator('#invited').isHidden()).toBe(true);
      const viaLink = calls();

      // The same friendship the old way: sign in, then type the code into the profile.
      const other = await open(third);
      const oldCalls = countApiCalls(other);
      await signIn(other, nextPhone(), 'link_c');
      await other.getByLabel('Someone’s invite code').fill(code);
      await other.getByRole('button', { name: 'Use this code' }).click();
      await other.getByText(`You joined with the invite code ${code} from link_a`).waitFor();
      const typed = oldCalls();
      console.log(
        `from the page to an attributed account: with the link ${viaLink.length} API requests, 2 screens ` +
          `(${viaLink.join(', ')}); typing the code ${typed.length} requests, 3 screens (${typed.join(', ')})`,
      );

      await inviter.reload();
      await inviter.getByText(/People who used your code: 2/).waitFor();
      await inviter.getByText(`link_b · ${friendPhone}`).waitFor();
      // Each browser kept a device id of its own: both referrals are clear, final at sign-up, and rewarded.
      await inviter.getByText('2 final · 0 qualified · 0 pending · 0 void').waitFor();
      expect(await inviter.locator('#ref-list .state').allTextContents()).toEqual(['final', 'final']);
      expect(await inviter.locator('#reward-list li').allTextContents()).toEqual([
        '100 credit · as inviter · granted',
        '100 credit · as inviter · granted',
      ]);
      await inviter.getByText('200 credit').waitFor();
      expect(await friend.evaluate(() => localStorage.getItem('device_id'))).toMatch(/^[0-9a-f-]{36}$/);
      expect(await friend.evaluate(() => localStorage.getItem('device_id'))).not.toBe(
        await inviter.evaluate(() => localStorage.getItem('device_id')),
      );
    } finally {
      await first.close();
      await second.close();
      await third.close();
    }
  });

  it('shows a referral from the inviter’s own browser as void: one device inviting itself is not a friend', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context);
      // The profile has loaded all of itself (the devices come last) before the session ends.
      const devices = () => page.waitForResponse((response) => response.url().endsWith('/api/v1/users/me/sessions/'));
      let loaded = devices();
      await signIn(page, nextPhone(), 'self_a');
      await loaded;
      const link = (await page.locator('#p-link').textContent())!.trim();
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('textbox', { name: 'Phone number' }).waitFor();
      // The same browser follows its own link with a second number: the same device id goes with the sign-in.
      await page.goto(base + new URL(link).pathname + new URL(link).search);
      loaded = devices();
      await signIn(page, nextPhone(), 'self_b');
      await loaded;
      const rows = await stack.db.query<
        Array<{ state: string; verdict: string; flags: string[]; void_reason: string }>
      >(
        `SELECT r.state, r.verdict, r.flags, r.void_reason FROM referrals r JOIN users u ON u.id = r.referee_id
          WHERE u.username = 'self_b'`,
      );
      expect(rows).toEqual([{ state: 'void', verdict: 'reject', flags: ['same_device'], void_reason: 'fraud' }]);
    } finally {
      await context.close();
    }
  });

  it('lists the devices, signs out the others, and moves the account to a new number', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context);
      const phone = nextPhone();
      await signIn(page, phone, 'page_devices');
      const devices = page.getByRole('region', { name: 'Your devices' });
      const items = devices.getByRole('listitem');
      await items.first().waitFor();
      expect(await items.count()).toBe(1);
      expect(await items.first().textContent()).toContain('this device');
      // Nothing to sign out but this device, which the main "Sign out" does.
      expect(await devices.getByRole('button', { name: 'Sign out other devices' }).isHidden()).toBe(true);
      const pageUser = { token: (await page.evaluate(() => sessionStorage.getItem('token')))! };

      // The same person signs in on another device (through the API): the list shows it once refreshed.
      const anotherDevice = async () => {
        await skipCooldown(stack, phone);
        const other = await signInThroughApi(stack, phone);
        expect(other.isNewUser).toBe(false);
        await devices.getByRole('button', { name: 'Refresh the list' }).click();
        await items.nth(1).waitFor();
        expect(await items.count()).toBe(2);
        expect(await items.filter({ hasText: 'this device' }).count()).toBe(1);
        return other;
      };

      // One device, signed out by its own button.
      const second = await anotherDevice();
      await items
        .filter({ hasNotText: 'this device' })
        .getByRole('button', { name: /^Sign out / })
        .click();
      await page
        .getByRole('status')
        .getByText(/^Signed out /)
        .waitFor();
      await page.waitForFunction(() => document.querySelectorAll('#session-list li').length === 1);
      await as(stack, second).get('/api/v1/users/me/').expect(401);

      // Every other device at once.
      const third = await anotherDevice();
      await devices.getByRole('button', { name: 'Sign out other devices' }).click();
      await page.getByText('Signed out 1 other device.').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('#session-list li').length === 1);
      expect(await items.first().textContent()).toContain('this device');
      await as(stack, third).get('/api/v1/users/me/').expect(401);
      await as(stack, pageUser).get('/api/v1/users/me/').expect(200);

      // A sign-in older than 10 minutes cannot change the number: the page says to sign in again.
      const fourth = await anotherDevice();
      const signedIn = (minutes: number) =>
        stack.db.query(
          `UPDATE sessions SET created_at = created_at + make_interval(mins => $2)
            WHERE user_id = (SELECT id FROM users WHERE phone_number = $1)`,
          [phone, minutes],
        );
      const newPhone = nextPhone();
      await signedIn(-11);
      expectApiError(403, '/api/v1/users/me/phone/');
      await page.getByLabel('New number', { exact: true }).fill(newPhone);
      await page.getByRole('button', { name: 'Send a code to the new number' }).click();
      await page
        .getByRole('alert')
        .getByText(/sign in again/)
        .waitFor();
      await signedIn(11);

      // Now a code to the new number, read on the simulated phone; a wrong one first.
      await page.getByRole('button', { name: 'Send a code to the new number' }).click();
      await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
      const code = await waitForCode(stack, newPhone, 0, 5000);
      expectApiError(400, '/api/v1/users/me/phone/confirm/');
      await page.getByLabel('Code sent to the new number').fill(String((Number(code) + 1) % 10_000).padStart(4, '0'));
      await page.getByRole('button', { name: 'Change number' }).click();
      await page.getByRole('alert').getByText('That code is wrong').waitFor();
      await page.getByRole('button', { name: `Use ${code}` }).click();
      expect(await page.getByLabel('Code sent to the new number').inputValue()).toBe(code);
      await page.getByLabel('Code sent to the new number').press('Enter');
      await page.getByText(`Your number is now ${newPhone}.`).waitFor();
      await page.locator('#p-phone', { hasText: newPhone }).waitFor();
      expect(await page.locator('#p-phone').textContent()).toBe(newPhone);
      expect(await page.getByLabel('New number', { exact: true }).isVisible()).toBe(true);

      // The account moved; this device stays signed in, the other one was signed out.
      const me = await as(stack, pageUser).get('/api/v1/users/me/').expect(200);
      expect((me.body as { phone_number: string }).phone_number).toBe(newPhone);
      await as(stack, fourth).get('/api/v1/users/me/').expect(401);
      await page.waitForFunction(() => document.querySelectorAll('#session-list li').length === 1);
    } finally {
      await context.close();
    }
  });

  it('fills and sends the code by itself where the browser offers WebOTP', async () => {
    const context = await browser.newContext();
    // Chromium offers WebOTP on Android only: this stands in for the SMS the phone would read.
    await context.addInitScript(() => {
      const otp = window as unknown as {
        OTPCredential: unknown;
        webOtpAsked: unknown[];
        deliverSms: (code: string) => void;
      };
      otp.OTPCredential = function OTPCredential() {};
      otp.webOtpAsked = [];
      let deliver: (code: string) => void = () => undefined;
      otp.deliverSms = (code) => deliver(code);
      Object.defineProperty(navigator.credentials, 'get', {
        value: (options: { otp?: { transport?: string[] }; signal?: AbortSignal }) => {
          otp.webOtpAsked.push({ otp: options.otp, signal: options.signal instanceof AbortSignal });
          return new Promise((resolve) => (deliver = (code) => resolve({ type: 'otp', code })));
        },
      });
    });
    try {
      const page = await open(context);
      const phone = nextPhone();
      await page.getByRole('textbox', { name: 'Phone number' }).fill(phone);
      await page.getByLabel(/^Username/).fill('page_webotp');
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByLabel('4-digit code').waitFor();
      expect(await page.evaluate(() => (window as unknown as { webOtpAsked: unknown[] }).webOtpAsked)).toEqual([
        { otp: { transport: ['sms'] }, signal: true },
      ]);
      const code = await waitForCode(stack, phone, 0, 5000);
      await page.evaluate((sms) => (window as unknown as { deliverSms: (code: string) => void }).deliverSms(sms), code);
      await page.getByRole('heading', { name: 'Hello, page_webotp' }).waitFor();
      expect(await page.getByLabel('4-digit code').isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('works with the keyboard alone', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context);
      // The phone field has focus on arrival.
      await page.waitForFunction(() => document.activeElement?.id === 'phone');
      await page.keyboard.type(nextPhone());
      await page.keyboard.press('Tab'); // username
      await page.keyboard.press('Tab'); // "Send code"
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Send code');
      await page.keyboard.press('Enter');
      // The code field takes focus; the code arrives in the simulated phone.
      await page.waitForFunction(() => document.activeElement?.id === 'code');
      await page.getByText('Code sent. Check the simulated phone.').waitFor({ timeout: 5000 });
      const text = await page.locator('#inbox-list li').first().textContent();
      await page.keyboard.type(/\b(\d{4})\b/.exec(text!)![1]);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /^Hello, user_/ }).waitFor();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('invite');
    } finally {
      await context.close();
    }
  });

  it('says in plain words what is wrong with a number, and keeps the form', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context);
      expectApiError(400, '/api/v1/auth/signup/');
      await page.getByRole('textbox', { name: 'Phone number' }).fill('12345');
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByRole('alert').getByText('That does not look like a mobile number').waitFor();
      expect(await page.locator('#step-phone').isVisible()).toBe(true);
      expect(await page.getByRole('textbox', { name: 'Phone number' }).inputValue()).toBe('12345');
    } finally {
      await context.close();
    }
  });

  it('uses standard attributes for the phone and the code', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context);
      expect(await page.getAttribute('#phone', 'type')).toBe('tel');
      expect(await page.getAttribute('#code', 'autocomplete')).toBe('one-time-code');
      expect(await page.getAttribute('#code', 'inputmode')).toBe('numeric');
    } finally {
      await context.close();
    }
  });

  it('shows Swagger UI, whose Authorize survives a reload', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, '/swagger/');
      await page.getByText('Referral service').first().waitFor();
      await page.getByRole('button', { name: 'Authorize' }).first().click();
      // One form per scheme: a person's access token, and an API key.
      const bearer = page.locator('.auth-container').filter({ hasText: 'bearer (http, Bearer)' });
      await bearer.locator('input').fill('some.jwt.token');
      await bearer.locator('.auth-btn-wrapper button.authorize').click();
      await bearer.locator('button.btn-done').click();
      await page.reload();
      await page.getByText('Referral service').first().waitFor();
      const saved = await page.evaluate(() => localStorage.getItem('authorized'));
      expect(saved).toContain('some.jwt.token');
      await page.locator('#operations-auth-AuthController_signup, [id^="operations-auth-"]').first().waitFor();
    } finally {
      await context.close();
    }
  });

  it('shows ReDoc from the bundle the API serves', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, '/redoc/');
      await page
        .getByRole('heading', { name: /Referral service/ })
        .first()
        .waitFor({ timeout: 20_000 });
      await page.getByRole('heading', { name: 'Ask for a sign-in code' }).waitFor();
      await page.getByText('REFERRAL_ALREADY_ACTIVATED').first().waitFor({ state: 'attached' });
    } finally {
      await context.close();
    }
  });
});
