import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../app-config.js';
import { transportOrder } from './channels.config.js';

const named = (...names: Array<'whatsapp' | 'twilio' | 'telegram' | 'vonage'>) => names.map((name) => ({ name }));
const names = (transports: Array<{ name: string }>) => transports.map(({ name }) => name);

describe('transportOrder', () => {
  const deployment = named('whatsapp', 'twilio', 'telegram', 'vonage');

  it('keeps the deployment’s order without a preference', () => {
    expect(names(transportOrder(deployment, null))).toEqual(['whatsapp', 'twilio', 'telegram', 'vonage']);
  });

  it('moves the preferred channel’s transports to the front, the rest in order', () => {
    expect(names(transportOrder(deployment, 'telegram'))).toEqual(['telegram', 'whatsapp', 'twilio', 'vonage']);
    expect(names(transportOrder(deployment, 'sms'))).toEqual(['twilio', 'vonage', 'whatsapp', 'telegram']);
  });

  it('keeps the order when the preferred channel is not offered', () => {
    expect(names(transportOrder(named('twilio', 'vonage'), 'whatsapp'))).toEqual(['twilio', 'vonage']);
  });

  it('sends a phone-change code by SMS first, whatever was preferred', () => {
    expect(names(transportOrder(deployment, 'whatsapp', true))).toEqual(['twilio', 'vonage', 'whatsapp', 'telegram']);
  });
});

describe('the channels’ settings', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'referral-channels-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://app@db.internal:5432/referral', ...env });
      return [];
    } catch (error) {
      return (error as { problems: Array<{ variable: string }> }).problems.map(({ variable }) => variable);
    }
  };

  it('requires each channel’s credentials when SMS_TRANSPORT names it', () => {
    expect(problems({ SMS_TRANSPORT: 'whatsapp,telegram' })).toEqual(
      expect.arrayContaining(['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID', 'TELEGRAM_GATEWAY_TOKEN']),
    );
  });

  it('requires the app secret when WhatsApp statuses are asked for', () => {
    const whatsapp = {
      SMS_TRANSPORT: 'whatsapp',
      WHATSAPP_ACCESS_TOKEN: 'token-0123456789abcdef',
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
    };
    expect(problems(whatsapp)).toEqual([]);
    expect(problems({ ...whatsapp, SMS_RECEIPTS_URL: 'https://api.example.com' })).toEqual(['WHATSAPP_APP_SECRET']);
  });

  it('requires a bot check’s keys, and the conversion check for its pumping trigger', () => {
    expect(problems({ BOT_CHECK_PROVIDER: 'turnstile' })).toEqual(['BOT_CHECK_SITE_KEY', 'BOT_CHECK_SECRET']);
    const keys = {
      BOT_CHECK_PROVIDER: 'hcaptcha',
      BOT_CHECK_SITE_KEY: 'site-key-0123',
      BOT_CHECK_SECRET: 'secret-0123',
    };
    expect(problems({ ...keys, BOT_CHECK_WHEN: 'address,pumping' })).toEqual(['BOT_CHECK_WHEN']);
    expect(problems({ ...keys, BOT_CHECK_WHEN: 'address,pumping', SMS_CONVERSION_MODE: 'shadow' })).toEqual([]);
    expect(problems({ ...keys, BOT_CHECK_WHEN: 'sometimes' })).toEqual(['BOT_CHECK_WHEN']);
  });
});
