import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CODE_DELIVERY_QUEUE } from '@app/domain';
import { CodeDeliveryProcessor } from './code-delivery.processor.js';
import { CodeDeliveryService } from './code-delivery.service.js';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { SimulatedSmsTransport } from './simulated-sms.transport.js';
import { SmsTransport } from './sms-transport.js';
import { UndeliveredCodesSweep } from './undelivered-codes.sweep.js';
import { WebhookSmsTransport } from './webhook-sms.transport.js';

@Module({})
export class CodeDeliveryModule {
  /** SMS_TRANSPORT picks the transport: `simulated` (the default outside production) or `webhook`. */
  static register(config: AppConfig): DynamicModule {
    return {
      module: CodeDeliveryModule,
      imports: [BullModule.registerQueue({ name: CODE_DELIVERY_QUEUE })],
      providers: [
        CodeDeliveryProcessor,
        CodeDeliveryService,
        CodeRequestsRepository,
        UndeliveredCodesSweep,
        {
          provide: SmsTransport,
          useClass: config.sms.transport === 'webhook' ? WebhookSmsTransport : SimulatedSmsTransport,
        },
      ],
      exports: [CodeDeliveryService, UndeliveredCodesSweep],
    };
  }
}
