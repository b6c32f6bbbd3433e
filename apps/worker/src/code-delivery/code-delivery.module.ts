import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { CODE_DELIVERY_QUEUE } from '@app/domain';
import { type AppConfig, type TransportName } from '@app/platform';
import { CodeDeliveryProcessor } from './code-delivery.processor.js';
import { CodeDeliveryService, SMS_TRANSPORTS } from './code-delivery.service.js';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { SmsRuTransport } from './gateways/smsru.transport.js';
import { TelegramTransport } from './gateways/telegram.transport.js';
import { TwilioTransport } from './gateways/twilio.transport.js';
import { VonageTransport } from './gateways/vonage.transport.js';
import { WhatsAppTransport } from './gateways/whatsapp.transport.js';
import { SilentReceiptsSweep } from './silent-receipts.sweep.js';
import { SimulatedSmsTransport } from './simulated-sms.transport.js';
import type { SmsTransport } from './sms-transport.js';
import { TelegramRevocationsSweep } from './telegram-revocations.sweep.js';
import { TemplateCostsLog } from './template-costs.log.js';
import { UndeliveredCodesSweep } from './undelivered-codes.sweep.js';
import { WebhookSmsTransport } from './webhook-sms.transport.js';

const TRANSPORTS: Record<TransportName, Type<SmsTransport>> = {
  simulated: SimulatedSmsTransport,
  webhook: WebhookSmsTransport,
  twilio: TwilioTransport,
  vonage: VonageTransport,
  smsru: SmsRuTransport,
  whatsapp: WhatsAppTransport,
  telegram: TelegramTransport,
};

@Module({})
export class CodeDeliveryModule {
  /** SMS_TRANSPORT names the transports, tried in its order: only those are made. */
  static register(config: AppConfig): DynamicModule {
    const chosen = config.sms.transports.map((name) => TRANSPORTS[name]);
    return {
      module: CodeDeliveryModule,
      imports: [BullModule.registerQueue({ name: CODE_DELIVERY_QUEUE })],
      providers: [
        CodeDeliveryProcessor,
        CodeDeliveryService,
        CodeRequestsRepository,
        UndeliveredCodesSweep,
        SilentReceiptsSweep,
        TelegramRevocationsSweep,
        TemplateCostsLog,
        ...chosen,
        { provide: SMS_TRANSPORTS, inject: chosen, useFactory: (...transports: SmsTransport[]) => transports },
      ],
      exports: [CodeDeliveryService, UndeliveredCodesSweep, SilentReceiptsSweep, TelegramRevocationsSweep],
    };
  }
}
