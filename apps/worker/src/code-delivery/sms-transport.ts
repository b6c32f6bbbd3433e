/** A message for one phone, tied to the code request it carries. */
export interface OutgoingSms {
  to: string;
  text: string;
  /** The code request id: the gateway's idempotency key. */
  reference: string;
}

/**
 * Where the worker hands messages over. Implementations must be safe to call
 * twice for one reference: the queue retries, and a worker may die mid-send.
 */
export abstract class SmsTransport {
  abstract readonly name: string;
  abstract send(message: OutgoingSms): Promise<void>;
}
