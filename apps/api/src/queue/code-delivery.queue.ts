import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  CODE_DELIVERY_QUEUE,
  CodeDeliveryJob,
  type CodeDeliveryPayload,
  codeDeliveryJobId,
  codeDeliveryJobOptions,
  codeFallbackJob,
} from '@app/domain';
import { AppConfig, tracedAdd } from '@app/platform';

/** The API's side of the code-delivery queue. */
@Injectable()
export class CodeDeliveryQueue {
  private readonly logger = new Logger(CodeDeliveryQueue.name);

  constructor(
    @InjectQueue(CODE_DELIVERY_QUEUE) private readonly queue: Queue<CodeDeliveryPayload>,
    private readonly config: AppConfig,
  ) {
    // Connection trouble is reported by the failing calls (and /health/ready); without a
    // listener BullMQ would print every reconnect attempt.
    queue.on('error', () => undefined);
  }

  /**
   * Queues delivery of a committed code request. A failure is logged, not thrown:
   * the request is already in PostgreSQL and the worker's sweep queues it again.
   */
  async enqueue(codeRequestId: string): Promise<boolean> {
    try {
      // The job carries the request's trace: the worker's span of it continues it.
      await tracedAdd(CODE_DELIVERY_QUEUE, (trace) =>
        this.queue.add(CodeDeliveryJob.DELIVER, trace ? { codeRequestId, trace } : { codeRequestId }, {
          ...codeDeliveryJobOptions(this.config),
          jobId: codeDeliveryJobId(codeRequestId),
        }),
      );
      return true;
    } catch (error) {
      this.logger.warn({ err: error, code_request_id: codeRequestId }, 'could not queue code delivery; the sweep will');
      return false;
    }
  }

  /**
   * Queues the second route of a code whose first message did not deliver. A
   * failure is thrown: the receipt's caller (the gateway) retries it.
   */
  async enqueueFallback(codeRequestId: string): Promise<void> {
    const { name, data, opts } = codeFallbackJob(codeRequestId, this.config);
    await tracedAdd(CODE_DELIVERY_QUEUE, (trace) => this.queue.add(name, trace ? { ...data, trace } : data, opts));
  }

  /** Jobs waiting: a cheap round trip that tells whether the queue's store answers. */
  waiting(): Promise<number> {
    return this.queue.count();
  }
}
