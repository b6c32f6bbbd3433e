import type { TransportName } from '@app/platform';

/** A message for one phone, tied to the code request it carries. */
export interface OutgoingSms {
  to: string;
  text: string;
  /** The code request id. */
  reference: string;
  /** The code alone, for channels whose message is the provider's own (a WhatsApp template, Telegram's). */
  code: string;
  /** The message's language subtag (`en`, `ru`): the one `text` is in. */
  locale: string;
}

/**
 * How a hand-over failed (SPEC section 7): `transient`, the gateway did not take
 * it and may later (down, 5xx, 429, throttled); `ambiguous`, the request went out
 * and no answer came back, so the gateway may have taken it; `permanent`, it
 * never will (a bad number, refused content, bad credentials).
 */
export type FailureKind = 'transient' | 'ambiguous' | 'permanent';

/** A refusal or a failure of a transport, with its kind and a reason that never holds a credential. */
export class SmsFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'SmsFailure';
  }
}

/** Where the worker hands messages over. */
export abstract class SmsTransport {
  abstract readonly name: TransportName;
  /** True when the far side drops a repeat of one reference, so an ambiguous hand-over may be tried again. */
  abstract readonly idempotent: boolean;
  /** Answers the gateway's id of the message once it took it; throws SmsFailure otherwise. */
  abstract send(message: OutgoingSms): Promise<{ providerId: string | null }>;
}
