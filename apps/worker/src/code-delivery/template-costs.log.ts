import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/platform';

/**
 * Logs once at start what each template's longest message costs: a template
 * over one segment is billed as two or more messages, which the log makes plain.
 */
@Injectable()
export class TemplateCostsLog implements OnApplicationBootstrap {
  private readonly logger = new Logger(TemplateCostsLog.name);

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    this.logger.log({ templates: this.config.sms.templateCosts }, 'SMS templates');
  }
}
