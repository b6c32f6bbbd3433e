import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';
import { Referrals1764200000000 } from './1764200000000-referrals.js';
import { RateLimits1764300000000 } from './1764300000000-rate-limits.js';

/** Every migration, oldest first. A new migration is a new file added here. */
export const MIGRATIONS = [InitialSchema1764100000000, Referrals1764200000000, RateLimits1764300000000];
