import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ErrorBodyDto } from '../common/error-body.js';
import { CodeDeliveryQueue } from '../queue/code-delivery.queue.js';

const CHECK_TIMEOUT_MS = 1500;

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
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200 })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and the queue answer' })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503, type: ErrorBodyDto, description: 'SERVICE_UNAVAILABLE' })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.queueCheck(),
    ]);
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
