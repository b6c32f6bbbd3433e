import { createHmac } from 'node:crypto';
import { readWhatsAppStatuses, whatsappSignatureValid } from './whatsapp-receipts.js';

const secret = 'a-meta-app-secret-0123';

/** A status in the shape of Meta's "status messages webhook reference". */
const status = (id: string, value: string, timestamp: string, extra: object = {}) => ({
  id,
  status: value,
  timestamp,
  recipient_id: '16505551234',
  ...extra,
});

const change = (statuses: unknown[], field = 'messages') => ({
  value: {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
    statuses,
  },
  field,
});

const failed = status('wamid.C', 'failed', '1750263775', {
  errors: [
    {
      code: 131026,
      title: 'Message undeliverable',
      message: 'Message undeliverable',
      error_data: { details: 'Message Undeliverable.' },
      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
    },
  ],
});

const payload = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        change([
          status('wamid.A', 'sent', '1750263773', {
            pricing: { billable: true, pricing_model: 'PMP', category: 'authentication', type: 'regular' },
          }),
          status('wamid.A', 'delivered', '1750263774'),
        ]),
        change([status('wamid.B', 'read', '1750263780')]),
      ],
    },
    { id: '102290129340399', changes: [change([failed, status('wamid.D', 'deleted', '1750263790')])] },
  ],
};

const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

describe('WhatsApp webhook signatures (X-Hub-Signature-256)', () => {
  const raw = JSON.stringify(payload);

  it('accepts the HMAC-SHA256 of the raw body keyed with the app secret', () => {
    expect(whatsappSignatureValid(secret, raw, sign(raw))).toBe(true);
  });

  it('refuses a changed body, another secret, and a body re-serialized differently', () => {
    const signature = sign(raw);
    expect(whatsappSignatureValid(secret, raw.replace('wamid.A', 'wamid.X'), signature)).toBe(false);
    expect(whatsappSignatureValid('another-app-secret-0123', raw, signature)).toBe(false);
    expect(whatsappSignatureValid(secret, JSON.stringify(payload, null, 2), signature)).toBe(false);
    expect(whatsappSignatureValid('', raw, sign(raw, ''))).toBe(false);
  });

  it('refuses a missing or odd header', () => {
    const hex = sign(raw).slice('sha256='.length);
    expect(whatsappSignatureValid(secret, raw, undefined)).toBe(false);
    expect(whatsappSignatureValid(secret, raw, '')).toBe(false);
    expect(whatsappSignatureValid(secret, raw, hex)).toBe(false);
    expect(whatsappSignatureValid(secret, raw, `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`)).toBe(
      false,
    );
    expect(whatsappSignatureValid(secret, raw, `sha256=${hex.slice(0, 63)}`)).toBe(false);
    expect(whatsappSignatureValid(secret, raw, `sha256=${hex}0`)).toBe(false);
    expect(whatsappSignatureValid(secret, raw, `sha256=${hex.toUpperCase()}`)).toBe(false);
    expect(whatsappSignatureValid(secret, raw, ` sha256=${hex}`)).toBe(false);
  });
});

describe('WhatsApp status webhooks', () => {
  it('reads every status of every change of every entry, as our states', () => {
    expect(readWhatsAppStatuses(payload)).toEqual([
      { providerId: 'wamid.A', state: 'sent', errorCode: null, reportedAt: new Date(1750263773_000) },
      { providerId: 'wamid.A', state: 'delivered', errorCode: null, reportedAt: new Date(1750263774_000) },
      { providerId: 'wamid.B', state: 'delivered', errorCode: null, reportedAt: new Date(1750263780_000) },
      { providerId: 'wamid.C', state: 'failed', errorCode: '131026', reportedAt: new Date(1750263775_000) },
    ]);
  });

  it('reads only `messages` changes, and skips incoming messages', () => {
    const incoming = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: { messages: [{ from: '16505551234', id: 'wamid.IN', timestamp: '1', type: 'text' }] },
            },
            change([status('wamid.T', 'sent', '1750263773')], 'message_template_status_update'),
          ],
        },
      ],
    };
    expect(readWhatsAppStatuses(incoming)).toEqual([]);
  });

  it('keeps a failed status without errors, and a status without a usable time', () => {
    const body = {
      entry: [{ changes: [change([status('wamid.E', 'failed', 'soon'), status('wamid.F', 'sent', '')])] }],
    };
    expect(readWhatsAppStatuses(body)).toEqual([
      { providerId: 'wamid.E', state: 'failed', errorCode: null, reportedAt: null },
      { providerId: 'wamid.F', state: 'sent', errorCode: null, reportedAt: null },
    ]);
  });

  it.each([
    null,
    undefined,
    'entry',
    42,
    [],
    {},
    { entry: 'x' },
    { entry: [null, 1, 'x', []] },
    { entry: [{ changes: {} }] },
    { entry: [{ changes: [null, { field: 'messages' }, { field: 'messages', value: [] }] }] },
    { entry: [{ changes: [{ field: 'messages', value: { statuses: {} } }] }] },
    { entry: [{ changes: [change([null, 'x', { status: 'sent' }, { id: 7, status: 'sent' }])] }] },
    {
      entry: [
        {
          changes: [
            change([
              { id: 'wamid.G', status: 'constructor' },
              { id: 'wamid.H', status: 'warning' },
            ]),
          ],
        },
      ],
    },
  ])('gives nothing for %j', (body) => {
    expect(readWhatsAppStatuses(body)).toEqual([]);
  });
});
