// What both apps run on: the settings, logging, start-up and shutdown; the data
// source, the unit of work, the entities and migrations; the queue's backend and
// the Redis client; the metrics server. The rules are @app/domain.
export * from './accounts/api-keys.store.js';
export * from './accounts/signing-keys.store.js';
export * from './config/address-list.js';
export * from './config/app-config.js';
export * from './config/config.module.js';
export * from './config/environment.js';
export * from './config/logging.js';
export * from './config/settings.js';
export * from './config/shutdown.js';
export * from './config/startup.js';
export * from './database/batched.js';
export * from './database/data-source.js';
export * from './database/database.module.js';
export * from './database/functions.js';
export * from './database/prepared.js';
export * from './database/sql.js';
export * from './database/unit-of-work.js';
export * from './entities/index.js';
export * from './events/events.repository.js';
export * from './events/outbox.js';
export * from './metrics/metrics.module.js';
export * from './metrics/referral-funnel.js';
export * from './metrics/sms-fallbacks.js';
export * from './migrations/index.js';
export * from './periodic-sweep.js';
export * from './queue/queue-backend.js';
export * from './queue/redis-client.js';
export * from './queue/queue-tracing.js';
export { type Tracing, tracingEnabled } from './config/tracing.js';
