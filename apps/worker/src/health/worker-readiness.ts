import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { CODE_DELIVERY_QUEUE } from '@app/domain';
import { ReadinessChecks } from '@app/platform';

/**
 * The worker's readiness, served on its metrics port (`/health/ready`):
 * PostgreSQL and the queue's store answer a round trip. A worker that is not
 * ready loses nothing (its jobs wait in the queue); the answer tells an
 * orchestrator or an operator why it does no work.
 */
@Injectable()
export class WorkerReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessChecks,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(CODE_DELIVERY_QUEUE) private readonly codes: Queue,
  ) {}

  onModuleInit(): void {
    this.readiness.register('database', () => this.dataSource.query('SELECT 1'));
    this.readiness.register('queue', () => this.codes.count());
  }
}
