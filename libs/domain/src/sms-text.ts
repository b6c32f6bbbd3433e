import { OTP_LENGTH } from './otp.js';

/** How a code's message is written: SMS_TEMPLATE, APP_NAME, the WebOTP domain and the Android app hash. */
export interface MessageSettings {
  template: string;
  appName: string;
  /** `@{domain} #{code}` closes the message: browsers (WebOTP) and Safari fill the code in. */
  webOtpDomain: string | null;
  /** Android's SMS Retriever API reads the message only when it carries the app's 11-character hash. */
  androidAppHash: string | null;
}

export const PLACEHOLDERS = ['{code}', '{minutes}', '{app}'] as const;

/**
 * The text of the message that carries a code: the template with its
 * placeholders filled, then the app hash on a line of its own, then the
 * origin-bound line, which the WebOTP format wants last.
 */
export function otpMessageText(settings: MessageSettings, code: string, ttlSeconds: number): string {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  const lines = [
    settings.template
      .replaceAll('{code}', code)
      .replaceAll('{minutes}', String(minutes))
      .replaceAll('{app}', settings.appName),
  ];
  if (settings.androidAppHash) lines.push(settings.androidAppHash);
  if (settings.webOtpDomain) lines.push(`@${settings.webOtpDomain} #${code}`);
  return lines.join('\n');
}

export interface Segments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Characters as the network counts them (GSM-7 extension characters count twice). */
  characters: number;
  segments: number;
}

/** GSM 03.38's default alphabet: one septet each. */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Its extension table: an escape and the character, two septets each. */
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/**
 * How the network would carry a text: GSM-7 (160 septets in one segment, 153
 * in each of several) unless a character needs UCS-2 (70 UTF-16 units, 67 in
 * each of several). A character's units never straddle two segments (an
 * extension character's escape stays with it, a surrogate pair together).
 * Counted here rather than by a library: the one we used pulled in a grapheme
 * splitter whose tables cost each process 36 MB of memory on the first
 * Cyrillic template (issue 31's measurement).
 */
export function segmentsOf(text: string): Segments {
  const characters = [...text];
  const gsm = characters.every((character) => GSM_BASIC.has(character) || GSM_EXTENDED.has(character));
  const units = characters.map((character) => (gsm ? (GSM_EXTENDED.has(character) ? 2 : 1) : character.length));
  const total = units.reduce((sum, unit) => sum + unit, 0);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  let segments = total === 0 ? 0 : 1;
  if (total > single) {
    segments = 1;
    let used = 0;
    for (const unit of units) {
      if (used + unit > multi) {
        segments += 1;
        used = 0;
      }
      used += unit;
    }
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', characters: total, segments };
}

/** The message with the longest code and the given lifetime: what a template is judged by. */
function longestMessage(settings: MessageSettings, ttlSeconds: number, codeLength: number): string {
  return otpMessageText(settings, '9'.repeat(codeLength), Math.max(ttlSeconds, 60));
}

/**
 * What is wrong with the message settings, or null: a template must say the
 * code, use no placeholder but {code}, {minutes} and {app}, and make a message
 * of at most `maxSegments` segments whatever the code.
 */
export function messageProblem(
  settings: MessageSettings,
  ttlSeconds: number,
  maxSegments = 1,
  codeLength = OTP_LENGTH,
): string | null {
  if (!settings.template.includes('{code}')) return 'must contain {code}';
  const unknown = (settings.template.match(/\{[^}]*\}/g) ?? []).filter(
    (placeholder) => !(PLACEHOLDERS as readonly string[]).includes(placeholder),
  );
  if (unknown.length > 0) return `has unknown placeholders ${unknown.join(', ')} (known: ${PLACEHOLDERS.join(', ')})`;
  const { encoding, characters, segments } = segmentsOf(longestMessage(settings, ttlSeconds, codeLength));
  if (segments > maxSegments) {
    const limit = encoding === 'GSM-7' ? 160 : 70;
    return (
      `makes a message of ${characters} ${encoding} characters: ${segments} segments, ` +
      `over SMS_MAX_SEGMENTS=${maxSegments} (one ${encoding} segment holds ${limit}): shorten it, or set ` +
      `SMS_MAX_SEGMENTS=${segments} knowingly (each segment is billed as a message)`
    );
  }
  return null;
}

/** A BCP 47 language tag as a client sends it: `ru`, `ru-RU`, `pt-BR`, `zh-Hant-TW`. */
export const LOCALE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;
export const LOCALE_MAX_LENGTH = 35;

export type MessageKind = 'sign-in' | 'phone-change';
export const MESSAGE_KINDS: readonly MessageKind[] = ['sign-in', 'phone-change'];

/** Every language's templates and how a person's language is chosen (SMS_TEMPLATE*, SMS_*_LOCALE*). */
export interface MessageCatalog {
  /** A language subtag (`en`) that has templates. */
  defaultLocale: string;
  /** Language subtag (`en`, `ru`, `de`) → each kind's template. */
  templates: Record<string, Record<MessageKind, string>>;
  /** ISO 3166 alpha-2 country (`RU`) → a language subtag that has templates. */
  countryLocales: Record<string, string>;
  appName: string;
  webOtpDomain: string | null;
  androidAppHash: string | null;
  maxSegments: number;
}

/**
 * The message settings for a person: the language they asked for when there
 * are templates for it, else their number's country's, else the default.
 */
export function pickMessage(
  catalog: MessageCatalog,
  kind: MessageKind,
  requestedLocale: string | null,
  country: string | null,
): { locale: string; settings: MessageSettings } {
  // Own properties only: a locale such as `constructor` must not reach Object.prototype.
  const has = (locale: string | undefined): locale is string =>
    locale !== undefined && Object.hasOwn(catalog.templates, locale);
  const requested = requestedLocale?.split(/[-_]/)[0].toLowerCase();
  const upperCountry = country?.toUpperCase();
  const fromCountry =
    upperCountry && Object.hasOwn(catalog.countryLocales, upperCountry)
      ? catalog.countryLocales[upperCountry]
      : undefined;
  const locale = has(requested) ? requested : has(fromCountry) ? fromCountry : catalog.defaultLocale;
  return {
    locale,
    settings: {
      template: catalog.templates[locale][kind],
      appName: catalog.appName,
      webOtpDomain: catalog.webOtpDomain,
      androidAppHash: catalog.androidAppHash,
    },
  };
}

export interface TemplateCost extends Segments {
  locale: string;
  kind: MessageKind;
}

/** What each template's longest message costs, for the start log: a second segment is billed as a second SMS. */
export function templateCosts(catalog: MessageCatalog, ttlSeconds: number, codeLength: number): TemplateCost[] {
  return Object.keys(catalog.templates).flatMap((locale) =>
    MESSAGE_KINDS.map((kind) => {
      const { settings } = pickMessage(catalog, kind, locale, null);
      return { locale, kind, ...segmentsOf(longestMessage(settings, ttlSeconds, codeLength)) };
    }),
  );
}
