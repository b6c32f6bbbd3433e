import fc from 'fast-check';
import {
  type MessageCatalog,
  messageProblem,
  otpMessageText,
  pickMessage,
  segmentsOf,
  templateCosts,
  type MessageSettings,
} from './sms-text.js';

const DEFAULT_TEMPLATE = 'Your sign-in code is {code}. It expires in {minutes} min. Never share it with anyone.';
const settings = (overrides: Partial<MessageSettings> = {}): MessageSettings => ({
  template: DEFAULT_TEMPLATE,
  appName: 'Referral service',
  webOtpDomain: null,
  androidAppHash: null,
  ...overrides,
});

describe('otpMessageText', () => {
  it('fills the placeholders', () => {
    expect(otpMessageText(settings({ template: '{app}: {code}, {minutes} min' }), '0421', 300)).toBe(
      'Referral service: 0421, 5 min',
    );
  });

  it('ends with the origin-bound line that WebOTP and Safari read, the code after the domain', () => {
    const text = otpMessageText(settings({ webOtpDomain: 'app.example.com' }), '0421', 300);
    expect(text.split('\n')).toEqual([
      'Your sign-in code is 0421. It expires in 5 min. Never share it with anyone.',
      '@app.example.com #0421',
    ]);
  });

  it('carries the Android app hash on a line of its own, before the WebOTP line', () => {
    const text = otpMessageText(settings({ webOtpDomain: 'app.example.com', androidAppHash: 'FA+9qCX9VSu' }), '7', 60);
    expect(text.split('\n').slice(1)).toEqual(['FA+9qCX9VSu', '@app.example.com #7']);
  });
});

describe('segmentsOf', () => {
  it.each([
    ['plain ASCII', 'a'.repeat(160), 'GSM-7', 160, 1],
    ['one character over', 'a'.repeat(161), 'GSM-7', 161, 2],
    ['GSM-7 extension characters, which count twice', '€'.repeat(80), 'GSM-7', 160, 1],
    ['one extension character too many', '€'.repeat(81), 'GSM-7', 162, 2],
    ['GSM-7 accents (no extension)', 'é'.repeat(160), 'GSM-7', 160, 1],
    ['Cyrillic, which needs UCS-2', 'Ваш код 1234'.padEnd(70, 'я'), 'UCS-2', 70, 1],
    ['one Cyrillic character too many', 'я'.repeat(71), 'UCS-2', 71, 2],
    ['one Cyrillic letter in English text', `${'a'.repeat(69)}я`, 'UCS-2', 70, 1],
  ])('counts %s', (_case, text, encoding, characters, segments) => {
    expect(segmentsOf(text)).toEqual({ encoding, characters, segments });
  });
});

describe('messageProblem', () => {
  it('accepts the default template, with the WebOTP line and the app hash', () => {
    expect(
      messageProblem(settings({ webOtpDomain: 'app.example.com', androidAppHash: 'FA+9qCX9VSu' }), 300),
    ).toBeNull();
  });

  it('refuses a template that does not say the code', () => {
    expect(messageProblem(settings({ template: 'Welcome to {app}' }), 300)).toMatch(/\{code\}/);
  });

  it('refuses unknown placeholders', () => {
    expect(messageProblem(settings({ template: 'Code {code} for {user}' }), 300)).toMatch(/\{user\}/);
  });

  it('refuses a message that cannot fit one GSM-7 segment', () => {
    expect(messageProblem(settings({ template: `{code} ${'x'.repeat(160)}` }), 300)).toBe(
      'makes a message of 165 GSM-7 characters: 2 segments, over SMS_MAX_SEGMENTS=1 (one GSM-7 segment holds 160): ' +
        'shorten it, or set SMS_MAX_SEGMENTS=2 knowingly (each segment is billed as a message)',
    );
  });

  it('refuses a Cyrillic template over 70 characters, the limit of UCS-2', () => {
    const russian = 'Ваш код для входа в приложение: {code}. Он действует {minutes} мин. Никому его не сообщайте.';
    expect(messageProblem(settings({ template: russian }), 300)).toMatch(/UCS-2 characters: 2 segments, over/);
    expect(messageProblem(settings({ template: 'Код входа: {code}. Действует {minutes} мин.' }), 300)).toBeNull();
  });

  it('counts the WebOTP line against the segment', () => {
    const template = `{code} ${'x'.repeat(140)}`;
    expect(messageProblem(settings({ template }), 300)).toBeNull();
    expect(messageProblem(settings({ template, webOtpDomain: 'app.example.com' }), 300)).toMatch(/2 segments/);
  });

  it('judges the message by the longest code: a code of 6 digits is counted as 6', () => {
    const template = `{code} ${'x'.repeat(155)}`;
    expect(messageProblem(settings({ template }), 300, 1, 4)).toBeNull();
    expect(messageProblem(settings({ template }), 300, 1, 6)).toMatch(/162 GSM-7 characters/);
  });
});

// As SMS_TEMPLATE_RU and SMS_PHONE_CHANGE_TEMPLATE_RU ship (app-config.spec.ts checks the shipped values).
const RU_SIGN_IN = 'Код для входа: {code}. Действует {minutes} мин. Никому не сообщайте.';
const RU_PHONE_CHANGE = 'Код {code} переносит аккаунт на этот номер. Никому не сообщайте.';
const EN_PHONE_CHANGE =
  '{code} is a code to move an account of {app} to this number. Never share it. Expires in {minutes} min.';
const autofill = { webOtpDomain: 'app.example.com', androidAppHash: 'FA+9qCX9VSu' };
/** 999 minutes: the longest {minutes} of three digits. */
const LONGEST_TTL = 999 * 60;

const catalog = (overrides: Partial<MessageCatalog> = {}): MessageCatalog => ({
  defaultLocale: 'en',
  templates: {
    en: { 'sign-in': DEFAULT_TEMPLATE, 'phone-change': EN_PHONE_CHANGE },
    ru: { 'sign-in': RU_SIGN_IN, 'phone-change': RU_PHONE_CHANGE },
    de: { 'sign-in': 'Ihr Code: {code}', 'phone-change': 'Code {code}: Kontowechsel auf diese Nummer' },
  },
  countryLocales: { RU: 'ru', KZ: 'ru', AT: 'de' },
  appName: 'Referral service',
  webOtpDomain: null,
  androidAppHash: null,
  maxSegments: 1,
  ...overrides,
});

describe('pickMessage', () => {
  it("takes the requested locale's language when it has templates: ru-RU is ru", () => {
    expect(pickMessage(catalog(), 'sign-in', 'ru-RU', 'US')).toMatchObject({
      locale: 'ru',
      settings: { template: RU_SIGN_IN },
    });
    expect(pickMessage(catalog(), 'phone-change', 'DE', null).settings.template).toMatch(/Kontowechsel/);
  });

  it("falls to the number's country when the requested locale has no templates", () => {
    expect(pickMessage(catalog(), 'phone-change', 'fr-FR', 'RU')).toMatchObject({
      locale: 'ru',
      settings: { template: RU_PHONE_CHANGE },
    });
    expect(pickMessage(catalog(), 'sign-in', null, 'kz').locale).toBe('ru');
  });

  it('falls to the default when neither the locale nor the country names a language with templates', () => {
    expect(pickMessage(catalog(), 'sign-in', 'fr', 'FR')).toMatchObject({
      locale: 'en',
      settings: { template: DEFAULT_TEMPLATE },
    });
    expect(pickMessage(catalog(), 'sign-in', null, null).locale).toBe('en');
    expect(pickMessage(catalog({ defaultLocale: 'de' }), 'sign-in', 'fr', null).locale).toBe('de');
  });

  it("never takes an object's built-in property for a language or a country", () => {
    expect(pickMessage(catalog(), 'sign-in', 'constructor', 'constructor').locale).toBe('en');
  });

  it('carries the app name and the autofill lines into the settings', () => {
    expect(pickMessage(catalog(autofill), 'sign-in', 'ru', null).settings).toEqual({
      template: RU_SIGN_IN,
      appName: 'Referral service',
      ...autofill,
    });
  });
});

describe('the shipped Russian templates', () => {
  it.each([
    ['sign-in', RU_SIGN_IN],
    ['phone-change', RU_PHONE_CHANGE],
  ])('%s fits one UCS-2 segment with the longest code and lifetime, without the autofill lines', (_kind, template) => {
    expect(messageProblem(settings({ template }), LONGEST_TTL)).toBeNull();
    expect(segmentsOf(otpMessageText(settings({ template }), '9999', LONGEST_TTL))).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
    });
  });

  it('needs two segments with both autofill lines: refused at SMS_MAX_SEGMENTS=1, accepted at 2', () => {
    const russian = settings({ template: RU_SIGN_IN, ...autofill });
    expect(messageProblem(russian, 300, 1)).toBe(
      'makes a message of 93 UCS-2 characters: 2 segments, over SMS_MAX_SEGMENTS=1 (one UCS-2 segment holds 70): ' +
        'shorten it, or set SMS_MAX_SEGMENTS=2 knowingly (each segment is billed as a message)',
    );
    expect(messageProblem(russian, 300, 2)).toBeNull();
  });

  it('leaves English in GSM-7, one segment with both autofill lines', () => {
    for (const template of [DEFAULT_TEMPLATE, EN_PHONE_CHANGE]) {
      expect(messageProblem(settings({ template, ...autofill }), LONGEST_TTL, 1)).toBeNull();
    }
  });
});

describe('templateCosts', () => {
  it("counts every language's templates with the longest code", () => {
    const costs = templateCosts(catalog(autofill), 300, 4);
    expect(costs).toHaveLength(6);
    expect(costs.filter((cost) => cost.locale === 'ru')).toEqual([
      { locale: 'ru', kind: 'sign-in', encoding: 'UCS-2', characters: 93, segments: 2 },
      { locale: 'ru', kind: 'phone-change', encoding: 'UCS-2', characters: 97, segments: 2 },
    ]);
    expect(costs.find((cost) => cost.locale === 'en' && cost.kind === 'sign-in')).toMatchObject({
      encoding: 'GSM-7',
      segments: 1,
    });
  });
});

describe('segmentsOf, counted as the network does', () => {
  const gsmText = (n: number) => 'a'.repeat(n);
  const ucs2Text = (n: number) => 'ж'.repeat(n);

  it('fills one GSM-7 segment with 160 septets and several with 153 each', () => {
    expect(segmentsOf(gsmText(160))).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(segmentsOf(gsmText(161)).segments).toBe(2);
    expect(segmentsOf(gsmText(306)).segments).toBe(2);
    expect(segmentsOf(gsmText(307)).segments).toBe(3);
  });

  it('counts an extension character as two septets, never split from its escape', () => {
    expect(segmentsOf('€'.repeat(80))).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    // 152 septets, then a two-septet euro that does not fit the first segment's 153.
    expect(segmentsOf(gsmText(152) + '€' + gsmText(10)).segments).toBe(2);
    expect(segmentsOf(gsmText(152) + '€' + gsmText(10)).characters).toBe(164);
  });

  it('fills one UCS-2 segment with 70 units and several with 67 each, a surrogate pair kept whole', () => {
    expect(segmentsOf(ucs2Text(70))).toEqual({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(segmentsOf(ucs2Text(71)).segments).toBe(2);
    expect(segmentsOf(ucs2Text(134)).segments).toBe(2);
    expect(segmentsOf(ucs2Text(135)).segments).toBe(3);
    expect(segmentsOf(ucs2Text(66) + '😀' + ucs2Text(10))).toEqual({ encoding: 'UCS-2', characters: 78, segments: 2 });
    expect(segmentsOf(ucs2Text(66) + '😀' + ucs2Text(66)).segments).toBe(3);
  });

  it('agrees with an independent SMS segment calculator on any text of GSM-7, Cyrillic and emoji', async () => {
    const { SegmentedMessage } = await import('sms-segments-calculator');
    const pieces = fc.constantFrom('a', 'Z', '0', ' ', '@', 'é', '\n', '€', '^', '{', 'ж', 'Ё', 'ü', '😀', '🙂');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 400 }), (parts) => {
        const text = parts.join('');
        const reference = new SegmentedMessage(text, 'auto');
        const ours = segmentsOf(text);
        // The reference counts an emoji as one character; the network carries it as two UTF-16 units.
        expect({ encoding: ours.encoding, segments: ours.segments }).toEqual({
          encoding: reference.encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2',
          segments: text.length === 0 ? 0 : reference.segmentsCount,
        });
        if (ours.encoding === 'UCS-2') expect(ours.characters).toBe(text.length);
        else expect(ours.characters).toBe(reference.numberOfCharacters);
      }),
      { numRuns: 300 },
    );
  });
});
