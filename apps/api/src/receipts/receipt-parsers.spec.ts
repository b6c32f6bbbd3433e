import { createHash, createHmac } from 'node:crypto';
import {
  advances,
  readSmsRuReceipts,
  readTwilioReceipt,
  readVonageReceipt,
  smsRuHashValid,
  twilioSignatureValid,
  vonageSignatureValid,
} from './receipt-parsers.js';

describe('Twilio status callbacks', () => {
  // Twilio's own example in its "validating requests" guide: the URL, the fields, the token and the signature.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const fields = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };

  it("accepts the documented example's signature", () => {
    expect(twilioSignatureValid('12345', url, fields, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).toBe(true);
  });

  it('refuses another token, another URL, a changed field, an added field and an empty signature', () => {
    const signature = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
    expect(twilioSignatureValid('12346', url, fields, signature)).toBe(false);
    expect(twilioSignatureValid('12345', url.replace('foo=1', 'foo=2'), fields, signature)).toBe(false);
    expect(twilioSignatureValid('12345', url, { ...fields, Digits: '1235' }, signature)).toBe(false);
    expect(twilioSignatureValid('12345', url, { ...fields, MessageStatus: 'delivered' }, signature)).toBe(false);
    expect(twilioSignatureValid('12345', url, fields, '')).toBe(false);
  });

  it('reads MessageStatus as our states, the error code with it, and nothing from an unknown status', () => {
    expect(readTwilioReceipt({ MessageSid: 'SM1', MessageStatus: 'queued' })?.state).toBe('accepted');
    expect(readTwilioReceipt({ MessageSid: 'SM1', MessageStatus: 'sent' })?.state).toBe('sent');
    expect(readTwilioReceipt({ MessageSid: 'SM1', MessageStatus: 'delivered' })?.state).toBe('delivered');
    expect(readTwilioReceipt({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' })).toEqual({
      providerId: 'SM1',
      state: 'undelivered',
      errorCode: '30003',
      reportedAt: null,
    });
    expect(readTwilioReceipt({ MessageSid: 'SM1', MessageStatus: 'teleported' })).toBeNull();
    expect(readTwilioReceipt({ MessageStatus: 'delivered' })).toBeNull();
  });
});

describe('Vonage signed delivery receipts', () => {
  const secret = 'a-signature-secret-0123';
  const now = 1_765_000_000;
  const receipt = {
    msisdn: '447700900001',
    to: 'Referral',
    'network-code': '23410',
    messageId: '0A0000000123ABCD1',
    price: '0.03330000',
    status: 'delivered',
    scts: '2612071205',
    'err-code': '0',
    'api-key': 'vonage-key',
    'message-timestamp': '2026-12-07 12:05:00',
    timestamp: String(now),
    nonce: 'a=b&c',
  };
  // The recipe of Vonage's guide, written out on its own: sorted `&name=value`, & and = in values as _.
  const signedText = (fields: Record<string, string>) =>
    Object.keys(fields)
      .sort()
      .map((name) => `&${name}=${fields[name].replace(/[&=]/g, '_')}`)
      .join('');

  it('accepts md5hash and each HMAC, in either case of hex', () => {
    const md5 = createHash('md5')
      .update(signedText(receipt) + secret)
      .digest('hex');
    expect(vonageSignatureValid(secret, 'md5hash', { ...receipt, sig: md5 }, now)).toBe(true);
    for (const method of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
      const sig = createHmac(method, secret).update(signedText(receipt)).digest('hex').toUpperCase();
      expect(vonageSignatureValid(secret, method, { ...receipt, sig }, now)).toBe(true);
    }
  });

  it('refuses a changed field, another secret, no signature, and a receipt more than five minutes old', () => {
    const sig = createHmac('sha256', secret).update(signedText(receipt)).digest('hex');
    expect(vonageSignatureValid(secret, 'sha256', { ...receipt, status: 'failed', sig }, now)).toBe(false);
    expect(vonageSignatureValid('another-secret-0123', 'sha256', { ...receipt, sig }, now)).toBe(false);
    expect(vonageSignatureValid(secret, 'sha256', receipt, now)).toBe(false);
    expect(vonageSignatureValid(secret, 'sha256', { ...receipt, sig }, now + 301)).toBe(false);
  });

  it('reads status, err-code and scts', () => {
    expect(readVonageReceipt({ ...receipt, status: 'failed', 'err-code': '6' })).toEqual({
      providerId: '0A0000000123ABCD1',
      state: 'failed',
      errorCode: '6',
      reportedAt: new Date('2026-12-07T12:05:00Z'),
    });
    expect(readVonageReceipt({ ...receipt, status: 'buffered' })?.state).toBe('sent');
    expect(readVonageReceipt({ ...receipt, status: 'unknown' })).toBeNull();
  });
});

describe('SMS.ru callbacks', () => {
  const apiId = 'smsru-test-api-id-0123';
  const fields = {
    'data[0]': 'sms_status\n202012-1000001\n103\n1765109100',
    'data[1]': 'sms_status\n202012-1000002\n106\n1765109101',
    'data[2]': 'callback_check\n1\n2',
  };
  const hash = createHash('sha256')
    .update(apiId + fields['data[0]'] + fields['data[1]'] + fields['data[2]'])
    .digest('hex');

  it('checks the hash of the api_id and the entries, in their order', () => {
    expect(smsRuHashValid(apiId, { ...fields, hash })).toBe(true);
    expect(smsRuHashValid('another-api-id', { ...fields, hash })).toBe(false);
    expect(smsRuHashValid(apiId, { ...fields, 'data[1]': fields['data[0]'], hash })).toBe(false);
    expect(smsRuHashValid(apiId, fields)).toBe(false);
  });

  it('reads every status entry, and skips entries of other kinds', () => {
    expect(readSmsRuReceipts(fields)).toEqual([
      { providerId: '202012-1000001', state: 'delivered', errorCode: null, reportedAt: new Date(1765109100_000) },
      { providerId: '202012-1000002', state: 'undelivered', errorCode: '106', reportedAt: new Date(1765109101_000) },
    ]);
  });
});

describe('a message moves forward only', () => {
  it('from nothing or on the way to further on, and never past its first final state', () => {
    expect(advances(null, 'sent')).toBe(true);
    expect(advances('accepted', 'sent')).toBe(true);
    expect(advances('sent', 'accepted')).toBe(false);
    expect(advances('sent', 'undelivered')).toBe(true);
    expect(advances('undelivered', 'delivered')).toBe(false);
    expect(advances('delivered', 'failed')).toBe(false);
  });
});
