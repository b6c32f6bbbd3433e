import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import type { HttpSettings } from './http.config.js';
import { type FeatureContext, GROUPS, type HelpOf, INTEGER, POSITIVE } from './shared.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Running the processes: the mode, metrics, logs, the queue's dashboard and its limits, the data folder. */
export class OperationsSettings {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  /** `/metrics` (Prometheus): API 9464 and worker 9465 when unset; 0 turns it off. */
  @IsOptional()
  @Matches(INTEGER)
  METRICS_PORT?: string;

  @IsString()
  METRICS_HOST = '127.0.0.1';

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_USER?: string;

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_PASSWORD?: string;

  @IsIn(['true', 'false'])
  QUEUE_DASHBOARD_WRITE = 'false';

  @Matches(POSITIVE)
  WORKER_CONCURRENCY = '1000';

  @Matches(POSITIVE, { message: 'QUEUE_KEEP_FAILED must be a whole number of jobs, 1 or more' })
  QUEUE_KEEP_FAILED = '5000';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';

  @IsOptional()
  @IsString()
  ENV_FILE?: string;
}

const group = GROUPS.operations;
export const OPERATIONS_HELP: HelpOf<OperationsSettings> = {
  NODE_ENV: { group, meaning: '`production` turns on the strict checks and turns off migrations at start' },
  METRICS_PORT: {
    group,
    meaning:
      "Prometheus /metrics port, never PORT; 0 turns it off; one per process on a machine; the worker's /health/live and /health/ready too",
    default: 'API 9464, worker 9465',
  },
  METRICS_HOST: { group, meaning: 'the address /metrics listens on' },
  QUEUE_DASHBOARD_USER: { group, meaning: 'with QUEUE_DASHBOARD_PASSWORD: turns on /admin/queues/' },
  QUEUE_DASHBOARD_PASSWORD: { group, meaning: "the queue dashboard's password (12+ characters in production)" },
  QUEUE_DASHBOARD_WRITE: {
    group,
    meaning: 'true lets the dashboard retry, promote, pause, clean and remove jobs; otherwise it only reads',
  },
  WORKER_CONCURRENCY: { group, meaning: 'deliveries in flight per worker' },
  QUEUE_KEEP_FAILED: {
    group,
    meaning: 'failed code deliveries kept for inspection, the newest first; each at most 14 days',
  },
  LOG_LEVEL: { group, meaning: 'fatal, error, warn, info, debug, trace or silent' },
  LOG_FORMAT: {
    group,
    meaning: 'json or pretty (one short line each)',
    default: 'pretty on a terminal outside production, json otherwise',
  },
  DATA_DIR: { group, meaning: "the embedded PostgreSQL's folder and the generated JWT secret" },
  ENV_FILE: {
    group,
    meaning: 'a file of NAME=value lines read at start if it exists; the environment overrides it',
    default: '.env',
  },
};

export interface OperationsConfig {
  /** Where `/metrics` is served; `port` null: the process's own default (API 9464, worker 9465); 0: off. */
  metrics: { host: string; port: number | null };
  queueDashboard: { user: string; password: string; write: boolean } | null;
  /** Failed code-delivery jobs kept for inspection, newest first (each at most 14 days). */
  keepFailed: number;
  worker: { concurrency: number };
  logLevel: LogLevel;
  /** `pretty`: one short human line each (a terminal in development); `json`: pino's lines. */
  logFormat: 'json' | 'pretty';
}

export function operationsConfig(
  v: OperationsSettings & Pick<HttpSettings, 'PORT'>,
  { isProduction, problem }: FeatureContext,
): OperationsConfig {
  const metricsPort = v.METRICS_PORT === undefined ? null : Number(v.METRICS_PORT);
  if (metricsPort !== null && metricsPort > 65535) problem('METRICS_PORT', 'must be at most 65535');
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === Number(v.PORT)) {
    problem('METRICS_PORT', 'must differ from PORT: metrics are never served on the public port');
  }
  const user = v.QUEUE_DASHBOARD_USER;
  const password = v.QUEUE_DASHBOARD_PASSWORD;
  if (Boolean(user) !== Boolean(password)) {
    problem(
      user ? 'QUEUE_DASHBOARD_PASSWORD' : 'QUEUE_DASHBOARD_USER',
      'QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD are set together or not at all',
    );
  }
  if (isProduction && password && password.length < 12) {
    problem('QUEUE_DASHBOARD_PASSWORD', 'must be at least 12 characters in production');
  }
  return {
    metrics: { host: v.METRICS_HOST, port: metricsPort },
    queueDashboard: user && password ? { user, password, write: v.QUEUE_DASHBOARD_WRITE === 'true' } : null,
    keepFailed: Number(v.QUEUE_KEEP_FAILED),
    worker: { concurrency: Number(v.WORKER_CONCURRENCY) },
    logLevel: v.LOG_LEVEL as LogLevel,
    logFormat:
      (v.LOG_FORMAT as 'json' | 'pretty' | undefined) ?? (!isProduction && process.stdout.isTTY ? 'pretty' : 'json'),
  };
}
