import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Answer, type Behaviour, type Received, type ReportedState, serveScripted } from './gateways.js';

/**
 * A local server that speaks the WhatsApp Business Cloud API as documented:
 * - the send, an authentication template with a copy-code button:
 *   https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/auth-otp-template-messages
 * - its Graph API errors and their codes:
 *   https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 * - the status webhook: https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
 * - its X-Hub-Signature-256: https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 * It checks each request as Meta would and answers with Meta's bodies; a test scripts what the next
 * requests meet, as with the SMS gateways (gateways.ts).
 */

export const WHATSAPP = {
  accessToken: 'whatsapp-test-access-token-0123',
  phoneNumberId: '106540352242922',
  appSecret: 'whatsapp-test-app-secret-0123',
  template: 'sign_in_code',
};

/** The Graph API version in the path; the transport's WHATSAPP_API_URL carries it. */
export const WHATSAPP_API_VERSION = 'v23.0';

/** The WhatsApp Business Account and display number of the documented examples. */
const WABA_ID = '102290129340398';
const DISPLAY_PHONE_NUMBER = '15550783881';

/** A status webhook as Meta sends it: where, with which headers, which JSON body (the bytes it signs). */
export interface WhatsAppWebhook {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface WhatsAppCloud {
  /** The base URL with the version, as WHATSAPP_API_URL takes it. */
  url: string;
  /** The messages taken: `text` is the code, `fields` a flat summary ({to, template, language, code}). */
  received: Received[];
  /** Every request, valid or not, and what it met. */
  requests: Array<{ behaviour: Behaviour | 'refused'; at: number; reason?: string }>;
  /** The behaviours of the next requests, in order; after them, `ok`. */
  script(...behaviours: Behaviour[]): void;
  /**
   * The status webhook Meta would POST to the app's callback URL for a message it took, signed with
   * the app secret. `undelivered`, `expired` and `failed` are all WhatsApp's `failed`, with
   * errors[0].code `errorCode` (131026, message undeliverable, unless given).
   */
  report(message: Received, state: ReportedState, options: { url: string; errorCode?: string }): WhatsAppWebhook;
  close(): Promise<void>;
}

const fbtraceId = () => randomBytes(17).toString('base64url').slice(0, 23);

/** A Graph API error, as the error codes page gives its syntax. */
const graphError = (status: number, code: number, message: string, details = message): Answer => ({
  status,
  body: {
    error: {
      message,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: fbtraceId(),
    },
  },
});

const UNAUTHORIZED = () => ({
  status: 401,
  body: {
    error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: fbtraceId() },
  },
});
const invalidParameter = (details: string) => graphError(400, 100, '(#100) Invalid parameter', details);
const invalidValue = (details: string) => graphError(400, 131009, '(#131009) Parameter value is not valid', details);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text of a component's only `text` parameter, or null. */
function parameterText(component: Json | undefined): string | null {
  const parameters = component?.parameters;
  if (!Array.isArray(parameters) || parameters.length !== 1 || !isObject(parameters[0])) return null;
  const [parameter] = parameters as Json[];
  return parameter.type === 'text' && typeof parameter.text === 'string' ? parameter.text : null;
}

/** What the send asks for, or Meta's error answer to it. */
function readSend(request: IncomingMessage, raw: string): { message: Json; code: string } | Answer {
  if (request.method !== 'POST' || request.url !== `/${WHATSAPP_API_VERSION}/${WHATSAPP.phoneNumberId}/messages`) {
    return graphError(400, 100, `Unsupported ${request.method?.toLowerCase()} request.`);
  }
  if (request.headers.authorization !== `Bearer ${WHATSAPP.accessToken}`) return UNAUTHORIZED();
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return invalidParameter('the body must be JSON');
  }
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return invalidParameter('the body is not valid JSON');
  }
  if (!isObject(message)) return invalidParameter('the body must be a JSON object');
  if (message.messaging_product !== 'whatsapp') {
    return invalidParameter('The parameter messaging_product is required.');
  }
  if (message.recipient_type !== undefined && message.recipient_type !== 'individual') {
    return invalidValue('recipient_type must be individual');
  }
  if (message.type !== 'template' || !isObject(message.template)) {
    return invalidParameter('this sender only sends template messages');
  }
  const template = message.template;
  if (template.name !== WHATSAPP.template) {
    return graphError(404, 132001, '(#132001) Template name does not exist in the translation');
  }
  const language = isObject(template.language) ? template.language.code : undefined;
  if (typeof language !== 'string' || !/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(language)) {
    return invalidParameter('template.language.code is required');
  }
  const components = Array.isArray(template.components) ? template.components.filter(isObject) : [];
  const body = components.find((component) => component.type === 'body');
  const button = components.find((component) => component.type === 'button');
  const code = parameterText(body);
  const mismatch = '(#132000) Number of parameters does not match the expected number of params';
  if (code === null) return graphError(400, 132000, mismatch, 'body: the code is its one text parameter');
  if (button?.sub_type !== 'url' || button.index !== '0' || parameterText(button) !== code) {
    return graphError(400, 132000, mismatch, 'button 0 (sub_type url) carries the code again');
  }
  // The documented limit of a one-time password.
  if (code.length > 15) return invalidValue('the one-time password is at most 15 characters');
  if (typeof message.to !== 'string' || !/^\+?[1-9]\d{6,14}$/.test(message.to)) {
    return invalidValue('Invalid WhatsApp recipient phone number');
  }
  return { message, code };
}

function answerTo(behaviour: Exclude<Behaviour, 'silence' | 'reset'>, to: string): Answer {
  switch (behaviour) {
    case 'ok':
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
          messages: [{ id: `wamid.${randomBytes(36).toString('base64')}` }],
        },
      };
    case 'server-error':
      return graphError(500, 131000, '(#131000) Something went wrong');
    // Meta answers its rate limits 400, not 429: only the code tells them from a refusal.
    case 'throttled':
      return graphError(
        400,
        130429,
        '(#130429) Rate limit hit',
        'Message failed to send because there were too many messages sent from this phone number in a short period of time',
      );
    // A number the Cloud API refuses at send time. (A well-formed number that has no WhatsApp is taken,
    // 200, and fails later as a `failed` status with 131026: report(message, 'failed') gives that.)
    case 'bad-number':
      return invalidValue('Invalid WhatsApp recipient phone number');
    case 'bad-credentials':
      return UNAUTHORIZED();
  }
}

/** Each ReportedState as WhatsApp's status: it has no undelivered nor expired, only failed. */
const STATUS_OF: Record<ReportedState, 'sent' | 'delivered' | 'failed'> = {
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'failed',
  expired: 'failed',
  failed: 'failed',
};

function webhook(message: Received, state: ReportedState, { url, errorCode }: { url: string; errorCode?: string }) {
  const status = STATUS_OF[state];
  const failure = {
    errors: [
      {
        code: Number(errorCode ?? 131026),
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'Message Undeliverable.' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ],
  };
  const pricing = { pricing: { billable: true, pricing_model: 'PMP', category: 'authentication', type: 'regular' } };
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DISPLAY_PHONE_NUMBER, phone_number_id: WHATSAPP.phoneNumberId },
              statuses: [
                {
                  id: message.providerId,
                  status,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  recipient_id: message.to.replace(/^\+/, ''),
                  ...(status === 'failed' ? failure : pricing),
                },
              ],
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
  // Meta signs the body as it sends it; this one is ASCII, so its "escaped unicode" form is the same bytes.
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', WHATSAPP.appSecret).update(body, 'utf8').digest('hex');
  return {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
    body,
  };
}

export async function startWhatsApp(): Promise<WhatsAppCloud> {
  const received: Received[] = [];
  const requests: WhatsAppCloud['requests'] = [];
  let script: Behaviour[] = [];
  const server = await serveScripted((request, raw) => {
    const read = readSend(request, raw);
    if ('status' in read) {
      requests.push({ behaviour: 'refused', at: Date.now(), reason: JSON.stringify(read.body) });
      return read;
    }
    const behaviour = script.shift() ?? 'ok';
    requests.push({ behaviour, at: Date.now() });
    if (behaviour === 'silence' || behaviour === 'reset') return behaviour;
    const to = read.message.to as string;
    const answer = answerTo(behaviour, to);
    if (behaviour === 'ok') {
      const template = read.message.template as { name: string; language: { code: string } };
      const providerId = (answer.body as { messages: Array<{ id: string }> }).messages[0].id;
      received.push({
        to,
        text: read.code,
        at: Date.now(),
        fields: { to, template: template.name, language: template.language.code, code: read.code },
        providerId,
      });
    }
    return answer;
  });
  return {
    url: `${server.url}/${WHATSAPP_API_VERSION}`,
    received,
    requests,
    script: (...behaviours) => (script = behaviours),
    report: (message, state, options) => webhook(message, state, options),
    close: server.close,
  };
}
