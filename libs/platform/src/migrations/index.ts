import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';
import { Referrals1764200000000 } from './1764200000000-referrals.js';
import { RateLimits1764300000000 } from './1764300000000-rate-limits.js';
import { CoveringReferralsIndex1764400000000 } from './1764400000000-covering-referrals-index.js';
import { RequestCodeFunction1764500000000 } from './1764500000000-request-code-function.js';
import { SignInPolicy1764600000000 } from './1764600000000-sign-in-policy.js';
import { SmsGatewaysAndBudgets1764700000000 } from './1764700000000-sms-gateways-and-budgets.js';
import { EventsOutbox1764800000000 } from './1764800000000-events-outbox.js';
import { Defences1764900000000 } from './1764900000000-defences.js';
import { FunctionsFromFiles1765000000000 } from './1765000000000-functions-from-files.js';
import { Accounts1765100000000 } from './1765100000000-accounts.js';
import { ReferralLifecycle1765200000000 } from './1765200000000-referral-lifecycle.js';
import { DeliveryReceipts1765300000000 } from './1765300000000-delivery-receipts.js';
import { Channels1765400000000 } from './1765400000000-channels.js';
import { SmsBudgetCounts1765500000000 } from './1765500000000-sms-budget-counts.js';

/** Every migration, oldest first. A new migration is a new file added here. */
export const MIGRATIONS = [
  InitialSchema1764100000000,
  Referrals1764200000000,
  RateLimits1764300000000,
  CoveringReferralsIndex1764400000000,
  RequestCodeFunction1764500000000,
  SignInPolicy1764600000000,
  SmsGatewaysAndBudgets1764700000000,
  EventsOutbox1764800000000,
  Defences1764900000000,
  FunctionsFromFiles1765000000000,
  Accounts1765100000000,
  ReferralLifecycle1765200000000,
  DeliveryReceipts1765300000000,
  Channels1765400000000,
  SmsBudgetCounts1765500000000,
];
