import { SegmentedMessage } from 'sms-segments-calculator';

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

/** How the network would carry a text: GSM-7 (160 to a segment) unless a character needs UCS-2 (70). */
export function segmentsOf(text: string): Segments {
  const message = new SegmentedMessage(text, 'auto');
  return {
    encoding: message.encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2',
    characters: message.numberOfCharacters,
    segments: message.segmentsCount,
  };
}

/**
 * What is wrong with the message settings, or null: a template must say the
 * code, use no placeholder but {code}, {minutes} and {app}, and make a message
 * of one segment whatever the code and the lifetime.
 */
export function messageProblem(settings: MessageSettings, ttlSeconds: number): string | null {
  if (!settings.template.includes('{code}')) return 'must contain {code}';
  const unknown = (settings.template.match(/\{[^}]*\}/g) ?? []).filter(
    (placeholder) => !(PLACEHOLDERS as readonly string[]).includes(placeholder),
  );
  if (unknown.length > 0) return `has unknown placeholders ${unknown.join(', ')} (known: ${PLACEHOLDERS.join(', ')})`;
  const longest = otpMessageText(settings, '0000', Math.max(ttlSeconds, 60));
  const { encoding, characters, segments } = segmentsOf(longest);
  if (segments > 1) {
    const limit = encoding === 'GSM-7' ? 160 : 70;
    return `makes a message of ${characters} ${encoding} characters, over the ${limit} of one SMS segment`;
  }
  return null;
}
