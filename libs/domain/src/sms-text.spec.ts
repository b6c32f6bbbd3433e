import { messageProblem, otpMessageText, segmentsOf, type MessageSettings } from './sms-text.js';

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
    expect(messageProblem(settings({ template: `{code} ${'x'.repeat(160)}` }), 300)).toMatch(/over the 160/);
  });

  it('refuses a Cyrillic template over 70 characters, the limit of UCS-2', () => {
    const russian = 'Ваш код для входа в приложение: {code}. Он действует {minutes} мин. Никому его не сообщайте.';
    expect(messageProblem(settings({ template: russian }), 300)).toMatch(/UCS-2 characters, over the 70/);
    expect(messageProblem(settings({ template: 'Код входа: {code}. Действует {minutes} мин.' }), 300)).toBeNull();
  });

  it('counts the WebOTP line against the segment', () => {
    const template = `{code} ${'x'.repeat(140)}`;
    expect(messageProblem(settings({ template }), 300)).toBeNull();
    expect(messageProblem(settings({ template, webOtpDomain: 'app.example.com' }), 300)).toMatch(/over the 160/);
  });
});
