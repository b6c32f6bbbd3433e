/**
 * What the bench's framework-free ceilings (bench/ceiling.mjs,
 * bench/ceiling-signup.mjs) run of the API's own: the same statements and the
 * same services, through this one door, so a ceiling never reaches into the
 * API's files and a change here is a change there.
 */
export { ERROR_STATUS } from './common/error-status.js';
export { ApiMetrics } from './metrics/api-metrics.js';
export { PumpingService } from './pumping/pumping.service.js';
export { RedisSmsBudgetStore } from './pumping/redis-sms-budget.store.js';
export { REQUEST_CODE } from './sign-in/sign-in.repository.js';
export { OWN_PROFILE } from './users/users.repository.js';
