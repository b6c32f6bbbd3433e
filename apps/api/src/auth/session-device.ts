import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import Bowser from 'bowser';
import type { FastifyRequest } from 'fastify';
import { clientAddress } from '../common/client-address.js';
import type { SessionDevice } from './sessions.repository.js';

/** What is kept of a User-Agent: enough to tell devices apart, never a whole header an attacker chose. */
const USER_AGENT_LENGTH = 512;
const LABEL_LENGTH = 120;
/** A product token, as an app's HTTP client writes it: `okhttp/4.12.0`, `MyApp/3.1 (iOS 17)`. */
const PRODUCT = /^([A-Za-z][\w.-]{0,40})\/(\d+(?:\.\d+)?)/;

/**
 * A person-readable label of the device a session signed in from: "Chrome 131
 * on Android 14", "Safari 17.5 on iOS 17.5" (Bowser's reading of the
 * User-Agent), or an app's product token ("okhttp 4.12"), or "Unknown device".
 */
export function deviceLabel(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim() ?? '';
  if (ua === '') return 'Unknown device';
  const { browser, os } = Bowser.parse(ua.slice(0, USER_AGENT_LENGTH));
  const part = (name?: string, version?: string) =>
    name ? `${name}${version ? ` ${version.split('.').slice(0, 2).join('.')}` : ''}` : '';
  const browserPart = part(browser.name, browser.version);
  const osPart = part(os.name, os.version);
  let label: string;
  if (browserPart && osPart) label = `${browserPart} on ${osPart}`;
  else if (browserPart || osPart) label = browserPart || osPart;
  else {
    const product = PRODUCT.exec(ua);
    label = product ? `${product[1]} ${product[2]}` : 'Unknown device';
  }
  // Printable characters only: the label is shown on the page and in the list.
  return label.replace(/[^\p{L}\p{N} .,()_/+-]/gu, '').slice(0, LABEL_LENGTH) || 'Unknown device';
}

/** The device of the request (SessionDevice): its User-Agent, cut, with its label, and the client's address. */
export const ClientDevice = createParamDecorator((_data: unknown, context: ExecutionContext): SessionDevice => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const header = request.headers['user-agent'];
  const userAgent = typeof header === 'string' && header !== '' ? header.slice(0, USER_AGENT_LENGTH) : null;
  return { userAgent, device: deviceLabel(userAgent), ipAddress: clientAddress(request.ip) };
});
