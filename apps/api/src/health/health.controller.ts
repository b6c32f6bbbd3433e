import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { isDraining } from '@app/platform';
import { CodeDeliveryQueue } from '../queue/code-delivery.queue.js';

const CHECK_TIMEOUT_MS = 1500;

class LiveDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

/** Terminus's answer: each dependency under `info` (up) or `error` (down), and all of them under `details`. */
class ReadyDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';

  @ApiProperty({ example: { database: { status: 'up' }, queue: { status: 'up', waiting: 0 } } })
  info: Record<string, unknown>;

  @ApiProperty({ example: {} })
  error: Record<string, unknown>;

  @ApiProperty({ example: { database: { status: 'up' }, queue: { status: 'up', waiting: 0 } } })
  details: Record<string, unknown>;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly queue: CodeDeliveryQueue,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers',
    description: 'Answers 200 while the event loop runs, whatever its dependencies say: a restart would not help them.',
  })
  @ApiResponse({ status: 200, type: LiveDto })
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: PostgreSQL and the queue answer, and the process is not shutting down',
    description:
      'SERVICE_UNAVAILABLE (503) names each dependency that is down in `details`, and `shutdown` from SIGTERM on (for SHUTDOWN_DELAY_SECONDS the API still serves everything else).',
  })
  @ApiResponse({ status: 200, type: ReadyDto })
  ready() {
    return this.health.check([
      () => this.shutdownCheck(),
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.queueCheck(),
    ]);
  }

  private shutdownCheck() {
    const check = this.indicators.check('shutdown');
    return isDraining() ? check.down({ message: 'draining: shutting down' }) : check.up();
  }

  private async queueCheck() {
    const check = this.indicators.check('queue');
    try {
      const waiting = await Promise.race([
        this.queue.waiting(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
      ]);
      return check.up({ waiting });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}
