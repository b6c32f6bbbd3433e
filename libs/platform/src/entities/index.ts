import { ApiKeyEntity, SigningKeyEntity } from './account-keys.entity.js';
import { CodeRequestEntity } from './code-request.entity.js';
import { ReferredPhoneEntity, SignInFailureEntity, UsernameChangeEntity } from './defences.entity.js';
import { EventAttemptEntity, EventEntity, EventsEndpointEntity } from './event.entity.js';
import { RateLimitEntity } from './rate-limit.entity.js';
import { ReferralCountEntity } from './referral-count.entity.js';
import { ReferralEntity, ReferralHostCallEntity, ReferralMoveEntity, RewardEntryEntity } from './referral.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SessionEntity } from './session.entity.js';
import { SignInAttemptEntity } from './sign-in-attempt.entity.js';
import { SmsAttemptEntity, SmsReceiptEntity } from './sms-attempt.entity.js';
import { SmsBudgetCountEntity, SmsBudgetHitEntity, SmsBudgetTripEntity } from './sms-budget.entity.js';
import { SmsMessageEntity } from './sms-message.entity.js';
import { UserEntity } from './user.entity.js';

export * from './account-keys.entity.js';
export * from './code-request.entity.js';
export * from './defences.entity.js';
export * from './event.entity.js';
export * from './rate-limit.entity.js';
export * from './referral-count.entity.js';
export * from './referral.entity.js';
export * from './refresh-token.entity.js';
export * from './session.entity.js';
export * from './sign-in-attempt.entity.js';
export * from './sms-attempt.entity.js';
export * from './sms-budget.entity.js';
export * from './sms-message.entity.js';
export * from './user.entity.js';

/** Every table of the schema, as TypeORM reads and writes it; `entities.e2e-spec.ts` holds them to the migrations. */
export const ENTITIES = [
  SigningKeyEntity,
  ApiKeyEntity,
  UserEntity,
  CodeRequestEntity,
  SignInAttemptEntity,
  SessionEntity,
  RefreshTokenEntity,
  SmsMessageEntity,
  ReferralCountEntity,
  ReferralEntity,
  ReferralMoveEntity,
  ReferralHostCallEntity,
  RewardEntryEntity,
  RateLimitEntity,
  SmsAttemptEntity,
  SmsReceiptEntity,
  SmsBudgetHitEntity,
  SmsBudgetCountEntity,
  SmsBudgetTripEntity,
  EventEntity,
  EventAttemptEntity,
  EventsEndpointEntity,
  SignInFailureEntity,
  ReferredPhoneEntity,
  UsernameChangeEntity,
];
