import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { isDraining } from '../config/shutdown.js';
import { listenError } from '../config/startup.js';

/**
 * A process's Prometheus registry: prom-client's default process metrics
 * (CPU, memory, event-loop lag, GC) and the process's own, which its subclass
 * declares. A registry of its own, not prom-client's global one, so that
 * several stacks in one test process each count their own.
 */
export abstract class ProcessMetrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which `promtool check metrics` refuses; each is the sum of the same name without `_total`.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
  }
}

/** Where `/metrics` listens; port 0: not served. */
export interface MetricsEndpointOptions {
  host: string;
  port: number;
  /** Also `/health/live` and `/health/ready` here: the worker, which has no HTTP server of its own. */
  health?: boolean;
}

const CHECK_TIMEOUT_MS = 1_500;

/**
 * What readiness asks on the metrics port: each check a name and a round trip
 * that throws (or takes over 1.5 s) when its dependency is away. A feature
 * registers its own at start; `shutdown` is always there, down from SIGTERM on.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, () => Promise<unknown>>();

  register(name: string, check: () => Promise<unknown>): void {
    this.checks.set(name, check);
  }

  /** Each check `up` or `down`, nothing of its error: the answer is read by whoever reaches the port. */
  async run(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
        });
        const up = await Promise.race([check(), timeout]).then(
          () => true,
          () => false,
        );
        clearTimeout(timer);
        return [name, up ? 'up' : 'down'] as const;
      }),
    );
    const checks: Record<string, 'up' | 'down'> = {
      shutdown: isDraining() ? 'down' : 'up',
      ...Object.fromEntries(entries),
    };
    return { ready: Object.values(checks).every((state) => state === 'up'), checks };
  }
}

const ENDPOINT_OPTIONS = Symbol('metrics endpoint options');

/**
 * `GET /metrics` on a port of its own (METRICS_HOST:METRICS_PORT), never on the
 * API's public port: a plain node:http server, so the worker, which has no HTTP
 * server, serves it the same way. Listens once the application has started and
 * closes with it.
 */
@Injectable()
class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly metrics: ProcessMetrics,
    private readonly readiness: ReadinessChecks,
    @Inject(ENDPOINT_OPTIONS) private readonly options: MetricsEndpointOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.options;
    if (port === 0) return;
    const { registry } = this.metrics;
    const health = this.options.health === true;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const read = request.method === 'GET' || request.method === 'HEAD';
      if (read && health && path === '/health/live') {
        this.answerJson(response, 200, { status: 'ok' });
        return;
      }
      if (read && health && path === '/health/ready') {
        this.readiness.run().then(
          ({ ready, checks }) =>
            this.answerJson(response, ready ? 200 : 503, { status: ready ? 'ok' : 'error', checks }),
          () => this.answerJson(response, 503, { status: 'error' }),
        );
        return;
      }
      if (path !== '/metrics' || !read) {
        const served = health ? 'GET /metrics, /health/live or /health/ready' : 'GET /metrics';
        response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${served}\n`);
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          listenError(
            'metrics',
            host,
            port,
            'give each API and worker on one machine its own METRICS_PORT (or METRICS_PORT=0: no metrics)',
            error,
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics${health ? ' and health' : ''} on http://${host}:${port}/metrics`);
  }

  private answerJson(response: ServerResponse, status: number, body: unknown): void {
    response
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A scraper's keep-alive connection would hold the close open.
    server.closeAllConnections();
    await closed;
  }
}

/**
 * Makes a process's metrics injectable everywhere in it (by its own class) and
 * serves them. The metrics object is made at bootstrap, before the
 * application, because the API's request hook needs it before Nest exists.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: ProcessMetrics, endpoint: MetricsEndpointOptions): DynamicModule {
    const token = metrics.constructor as new () => ProcessMetrics;
    return {
      module: MetricsModule,
      providers: [
        { provide: token, useValue: metrics },
        { provide: ProcessMetrics, useValue: metrics },
        { provide: ENDPOINT_OPTIONS, useValue: endpoint },
        ReadinessChecks,
        MetricsEndpoint,
      ],
      exports: [token, ReadinessChecks],
    };
  }
}
