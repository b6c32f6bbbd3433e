import { createHash, createHmac } from 'node:crypto';
import { readTelegramReport, telegramSignatureValid } from './telegram-receipts.js';

describe('Telegram Gateway report signatures', () => {
  const token = 'AAEFAAAAQKI_test-gateway-token';
  const now = 1_765_000_000;
  const timestamp = String(now - 3);
  const body = JSON.stringify({
    request_id: 'a1b2c3',
    phone_number: '+447700900001',
    request_cost: 0.01,
    delivery_status: { status: 'delivered', updated_at: now - 4 },
    payload: 'code-request-id',
  });
  // The recipe of the docs written out on its own: hex HMAC-SHA-256 of "timestamp\nbody", keyed with SHA256(token).
  const sign = (secret: string, time: string, text: string) =>
    createHmac('sha256', createHash('sha256').update(secret).digest()).update(`${time}\n${text}`).digest('hex');
  const signature = sign(token, timestamp, body);

  it('accepts a report signed as the docs say, in either case of hex', () => {
    expect(telegramSignatureValid(token, timestamp, body, signature, now)).toBe(true);
    expect(telegramSignatureValid(token, timestamp, body, signature.toUpperCase(), now)).toBe(true);
  });

  it('refuses a changed body, another token, another timestamp and a signature made with the raw token', () => {
    expect(telegramSignatureValid(token, timestamp, body.replace('delivered', 'read'), signature, now)).toBe(false);
    expect(telegramSignatureValid(`${token}x`, timestamp, body, signature, now)).toBe(false);
    expect(telegramSignatureValid(token, String(now - 2), body, signature, now)).toBe(false);
    const rawKeyed = createHmac('sha256', token).update(`${timestamp}\n${body}`).digest('hex');
    expect(telegramSignatureValid(token, timestamp, body, rawKeyed, now)).toBe(false);
  });

  it('refuses a report more than five minutes old or ahead: a replay later is refused', () => {
    const stale = String(now - 301);
    expect(telegramSignatureValid(token, stale, body, sign(token, stale, body), now)).toBe(false);
    const ahead = String(now + 301);
    expect(telegramSignatureValid(token, ahead, body, sign(token, ahead, body), now)).toBe(false);
    const edge = String(now - 300);
    expect(telegramSignatureValid(token, edge, body, sign(token, edge, body), now)).toBe(true);
  });

  it('refuses missing headers, a timestamp not all digits and a signature of another length', () => {
    expect(telegramSignatureValid(token, undefined, body, signature, now)).toBe(false);
    expect(telegramSignatureValid(token, timestamp, body, undefined, now)).toBe(false);
    expect(telegramSignatureValid(token, timestamp, body, '', now)).toBe(false);
    expect(telegramSignatureValid(token, '', body, signature, now)).toBe(false);
    const odd = `${timestamp}.0`;
    expect(telegramSignatureValid(token, odd, body, sign(token, odd, body), now)).toBe(false);
    expect(telegramSignatureValid(token, ` ${timestamp}`, body, sign(token, ` ${timestamp}`, body), now)).toBe(false);
    expect(telegramSignatureValid(token, timestamp, body, signature.slice(0, 63), now)).toBe(false);
  });
});

describe('Telegram Gateway delivery reports', () => {
  const report = (status: unknown, extra: Record<string, unknown> = {}) => ({
    request_id: 'a1b2c3',
    phone_number: '+447700900001',
    request_cost: 0.01,
    delivery_status: { status, updated_at: 1_765_000_000 },
    ...extra,
  });

  it.each([
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['expired', 'expired'],
  ] as const)('reads %s as %s, at its updated_at', (status, state) => {
    expect(readTelegramReport(report(status))).toEqual({
      providerId: 'a1b2c3',
      state,
      errorCode: null,
      reportedAt: new Date(1_765_000_000_000),
    });
  });

  it('skips revoked (our own doing) and statuses it does not know', () => {
    expect(readTelegramReport(report('revoked'))).toBeNull();
    expect(readTelegramReport(report('teleported'))).toBeNull();
    expect(readTelegramReport(report('constructor'))).toBeNull();
    expect(readTelegramReport(report('toString'))).toBeNull();
  });

  it('reads the raw JSON text as well, and leaves reportedAt null without a usable updated_at', () => {
    expect(readTelegramReport(JSON.stringify(report('sent')))?.state).toBe('sent');
    const timeless = { request_id: 'a1b2c3', delivery_status: { status: 'sent' } };
    expect(readTelegramReport(timeless)?.reportedAt).toBeNull();
    const badTime = { request_id: 'a1b2c3', delivery_status: { status: 'sent', updated_at: 'soon' } };
    expect(readTelegramReport(badTime)?.reportedAt).toBeNull();
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['text that is not JSON', 'not json'],
    ['an array', [report('sent')]],
    ['no delivery_status', { request_id: 'a1b2c3' }],
    ['a delivery_status that is text', { request_id: 'a1b2c3', delivery_status: 'sent' }],
    ['no request_id', { delivery_status: { status: 'sent', updated_at: 1 } }],
    ['a numeric request_id', { request_id: 7, delivery_status: { status: 'sent', updated_at: 1 } }],
    ['an empty request_id', { request_id: '', delivery_status: { status: 'sent', updated_at: 1 } }],
    ['a status that is not text', { request_id: 'a1b2c3', delivery_status: { status: ['sent'] } }],
  ])('reads %s as nothing', (_, body) => {
    expect(readTelegramReport(body)).toBeNull();
  });
});
