import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, phoneCountry } from '@app/domain';
import { AppConfig } from '@app/platform';
import { ApiMetrics, type ReceiptRefusal } from '../metrics/api-metrics.js';
import { CodeDeliveryQueue } from '../queue/code-delivery.queue.js';
import {
  advances,
  FINAL_RECEIPT_STATES,
  type Fields,
  readSmsRuReceipts,
  readTwilioReceipt,
  readVonageReceipt,
  type Receipt,
  smsRuHashValid,
  twilioSignatureValid,
  vonageSignatureValid,
} from './receipt-parsers.js';
import { ReceiptsRepository } from './receipts.repository.js';
import { readTelegramReport, telegramSignatureValid } from './telegram-receipts.js';
import { readWhatsAppStatuses, whatsappSignatureValid } from './whatsapp-receipts.js';

export type ReceiptTransport = 'twilio' | 'vonage' | 'smsru' | 'whatsapp' | 'telegram';

/**
 * A gateway may report a message before the worker has stored its id (Twilio
 * can call back within milliseconds of its 201): a signed receipt for an id we
 * do not know yet is looked up again for about a second before it is counted
 * as unknown. Only a receipt whose signature checked out waits.
 */
const LOOKUPS = 5;
const LOOKUP_PAUSE_MS = 250;

/**
 * SPEC section 14: a gateway's word on a message it took. A receipt is checked
 * against the gateway's credentials first (a bad one is 403
 * SIGNATURE_INVALID, counted, and changes nothing); one for a message we did
 * not send through that gateway is counted and changes nothing. A final state
 * is the message's outcome: delivered erases the code's sealed copy; undelivered,
 * failed or expired on the first route claims the second (once per code) and
 * queues it; on the second route there is no third.
 */
@Injectable()
export class ReceiptsService {
  private readonly logger = new Logger(ReceiptsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly receipts: ReceiptsRepository,
    private readonly queue: CodeDeliveryQueue,
    private readonly metrics: ApiMetrics,
  ) {}

  /** A Twilio status callback; `url` is the address Twilio called, as it signed it. */
  async twilio(url: string, fields: Fields, signature: string | undefined): Promise<void> {
    const twilio = this.config.sms.twilio;
    if (!twilio || !signature || !twilioSignatureValid(twilio.authToken, url, fields, signature))
      this.refuse('twilio', 'bad_signature');
    const receipt = readTwilioReceipt(fields);
    await this.apply('twilio', receipt ? [receipt] : []);
  }

  /** A Vonage delivery receipt, signed with the account's signature secret. */
  async vonage(fields: Fields): Promise<void> {
    const vonage = this.config.receipts.vonage;
    const now = Math.floor(Date.now() / 1000);
    if (!vonage || !this.config.sms.vonage || !vonageSignatureValid(vonage.secret, vonage.method, fields, now))
      this.refuse('vonage', 'bad_signature');
    const receipt = readVonageReceipt(fields);
    await this.apply('vonage', receipt ? [receipt] : []);
  }

  /** An SMS.ru callback: any number of status entries, with the hash its api_id makes. */
  async smsRu(fields: Fields): Promise<void> {
    const smsru = this.config.sms.smsru;
    if (!smsru || !smsRuHashValid(smsru.apiId, fields)) this.refuse('smsru', 'bad_signature');
    await this.apply('smsru', readSmsRuReceipts(fields));
  }

  /**
   * A WhatsApp Cloud API webhook, signed with X-Hub-Signature-256 (the app
   * secret's HMAC-SHA256 of the body as sent). Its message statuses are
   * receipts; the other things a webhook carries (incoming messages) are not
   * ours to read.
   */
  async whatsapp(rawBody: string | undefined, body: unknown, signature: string | undefined): Promise<void> {
    const appSecret = this.config.channels.whatsapp?.appSecret;
    if (!appSecret || rawBody === undefined || !whatsappSignatureValid(appSecret, rawBody, signature))
      this.refuse('whatsapp', 'bad_signature');
    const receipts = readWhatsAppStatuses(body);
    if (receipts.length > 0) await this.apply('whatsapp', receipts);
  }

  /** Meta's subscription check of the webhook: the challenge back when the verify token is ours. */
  whatsappSubscription(mode: string | undefined, token: string | undefined, challenge: string | undefined): string {
    const expected = this.config.channels.whatsapp?.verifyToken;
    if (!expected || mode !== 'subscribe' || token !== expected || !challenge) this.refuse('whatsapp', 'bad_signature');
    return challenge;
  }

  /**
   * A Telegram Gateway delivery report, signed with X-Request-Signature (HMAC-SHA256
   * of the timestamp and the body, keyed with the token's SHA-256); a report
   * more than five minutes old is refused. `revoked` is our own doing, not a receipt.
   */
  async telegram(
    rawBody: string | undefined,
    body: unknown,
    timestamp: string | undefined,
    signature: string | undefined,
  ): Promise<void> {
    const telegram = this.config.channels.telegram;
    const now = Math.floor(Date.now() / 1000);
    if (
      !telegram ||
      rawBody === undefined ||
      !telegramSignatureValid(telegram.token, timestamp, rawBody, signature, now)
    )
      this.refuse('telegram', 'bad_signature');
    const receipt = readTelegramReport(body);
    if (receipt) await this.apply('telegram', [receipt]);
  }

  private async attemptOf(transport: ReceiptTransport, providerId: string) {
    for (let lookup = 1; ; lookup++) {
      const target = await this.receipts.attemptOf(transport, providerId);
      if (target || lookup === LOOKUPS) return target;
      await new Promise((resolve) => setTimeout(resolve, LOOKUP_PAUSE_MS));
    }
  }

  private refuse(transport: ReceiptTransport, reason: ReceiptRefusal): never {
    this.metrics.countReceiptRefused(transport, reason);
    throw new DomainError(ErrorCode.SIGNATURE_INVALID);
  }

  private async apply(transport: ReceiptTransport, receipts: Receipt[]): Promise<void> {
    if (receipts.length === 0) this.metrics.countReceiptRefused(transport, 'unknown_state');
    for (const receipt of receipts) {
      const target = await this.attemptOf(transport, receipt.providerId);
      if (!target) {
        this.metrics.countReceiptRefused(transport, 'unknown_message');
        continue;
      }
      const seconds = await this.receipts.record(
        target.attempt_id,
        receipt,
        advances(target.receipt_state, receipt.state),
      );
      if (seconds === null || !FINAL_RECEIPT_STATES.has(receipt.state)) continue;
      const country = phoneCountry(target.phone_number) ?? 'none';
      this.metrics.countReceipt(transport, country, receipt.state, seconds);
      // Delivered, or not and no other route left: the code's sealed copy has done its work.
      if (receipt.state === 'delivered' || target.fallback || this.config.sms.transports.length < 2) {
        await this.receipts.eraseSealedCode(target.code_request_id);
      } else if (await this.receipts.claimFallback(target.code_request_id)) {
        await this.queue.enqueueFallback(target.code_request_id);
        this.metrics.smsFallbacks.count('undelivered');
        this.logger.log(
          { code_request_id: target.code_request_id, transport, state: receipt.state, error: receipt.errorCode },
          'SMS not delivered: the second route is queued',
        );
      }
    }
  }
}
