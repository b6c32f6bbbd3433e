// The rules and contracts both apps share, with no framework: errors, phone
// numbers, codes and their keys, invite codes, usernames, cursors, the message
// text, the job and event contracts. The platform they run on is @app/platform.
export * from './cursor.js';
export * from './errors.js';
export * from './events/event-types.js';
export * from './events/standard-webhooks.js';
export * from './jobs.js';
export * from './ids.js';
export * from './keys.js';
export * from './signing-keys.js';
export * from './api-keys.js';
export * from './otp.js';
export * from './phone-number.js';
export * from './referral-code.js';
export * from './sms-text.js';
export * from './username.js';
