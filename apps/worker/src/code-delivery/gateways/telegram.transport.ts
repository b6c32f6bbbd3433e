import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { SmsFailure, SmsTransport, type OutgoingSms } from '../sms-transport.js';
import { gatewayClient, type GatewayAnswer, type GatewayClient, parseJson, statusKind } from './gateway-client.js';

/** The ttl range sendVerificationMessage takes (since the 26 February 2025 change). */
const TTL_MIN_SECONDS = 30;
const TTL_MAX_SECONDS = 3600;

/** Errors that mean "later": Telegram's flood control. */
const TRANSIENT_ERROR = /^(FLOOD_WAIT|TOO_MANY_REQUESTS)/i;

interface TelegramBody {
  ok?: unknown;
  result?: unknown;
  error?: unknown;
}

/**
 * The Gateway's answer to a send: `{ok: true, result: RequestStatus}` is a hand-over under
 * `result.request_id`; `{ok: false, error}` is a refusal, for now when it is flood control or the
 * HTTP status is 429 or 5xx, for good otherwise (a bad token or number, no balance, a number not on
 * Telegram, a code it will not take). A 200 it cannot read may have been taken: ambiguous.
 */
export function readTelegramAnswer(answer: GatewayAnswer): { providerId: string } {
  const body = parseJson(answer.body) as TelegramBody | null;
  const requestId = (body?.result as { request_id?: unknown } | null | undefined)?.request_id;
  if (body?.ok === true && typeof requestId === 'string' && requestId) return { providerId: requestId };
  const error = typeof body?.error === 'string' ? body.error : null;
  if (answer.status === 200 && body?.ok !== false) {
    throw new SmsFailure('ambiguous', `Telegram Gateway answered 200: ${body ? 'no request_id' : 'not JSON'}`);
  }
  const kind = error && TRANSIENT_ERROR.test(error) ? 'transient' : statusKind(answer.status);
  throw new SmsFailure(kind, `Telegram Gateway answered ${answer.status}: ${(error ?? 'no error').slice(0, 200)}`);
}

/**
 * Telegram's Gateway API (https://core.telegram.org/gateway/api): POST
 * https://gatewayapi.telegram.org/sendVerificationMessage with
 * `Authorization: Bearer <token>` and JSON parameters phone_number (E.164),
 * code (4-8 digits), ttl (30-3600 s), payload (≤128 bytes, our code request
 * id), callback_url and sender_username when set. The answer is
 * `{ok, result: RequestStatus}` or `{ok: false, error}`; delivery reports come
 * to callback_url signed with the token (apps/api/src/receipts/telegram-receipts.ts).
 *
 * We send our own code rather than let Telegram make one (code_length): the
 * code a person types is checked by us against the one we stored, as on every
 * other channel; Telegram's checkVerificationStatus is not used.
 */
@Injectable()
export class TelegramTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'telegram';
  readonly idempotent = false;
  private readonly client: GatewayClient;
  private readonly settings: NonNullable<AppConfig['channels']['telegram']>;
  private readonly authorization: string;
  private readonly ttl: number;
  /** Where the Gateway sends each message's delivery reports (SMS_RECEIPTS_URL); null: none asked for. */
  private readonly callbackUrl: string | null;

  constructor(config: AppConfig) {
    super();
    if (!config.channels.telegram) throw new Error('the Telegram Gateway settings are missing');
    this.settings = config.channels.telegram;
    this.client = gatewayClient(this.settings.apiUrl, config);
    this.authorization = `Bearer ${this.settings.token}`;
    // Past the ttl an unread message expires and its fee is refunded: no later than our code does.
    this.ttl = Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, config.otp.ttlSeconds));
    this.callbackUrl = config.receipts.baseUrl ? `${config.receipts.baseUrl}/api/v1/hooks/telegram/` : null;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const answer = await this.call('/sendVerificationMessage', {
      phone_number: message.to,
      code: message.code,
      ttl: this.ttl,
      payload: message.reference,
      ...(this.callbackUrl ? { callback_url: this.callbackUrl } : {}),
      ...(this.settings.senderUsername ? { sender_username: this.settings.senderUsername } : {}),
    });
    return readTelegramAnswer(answer);
  }

  /**
   * Asks Telegram to take back a message (a code replaced or used): true when it took the request.
   * A message already delivered or read stays; a revoke is not refunded.
   */
  async revoke(requestId: string): Promise<boolean> {
    const answer = await this.call('/revokeVerificationMessage', { request_id: requestId });
    const body = parseJson(answer.body) as TelegramBody | null;
    return body?.ok === true && body.result === true;
  }

  private call(path: string, parameters: Record<string, unknown>): Promise<GatewayAnswer> {
    return this.client.post(path, JSON.stringify(parameters), {
      'content-type': 'application/json',
      authorization: this.authorization,
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
