import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BotCheckService } from './bot-check.service.js';

type CheckedRequest = FastifyRequest & { botChecked?: boolean };

/** Runs the bot check on a code request (see BotCheckService) and notes whether it passed. */
@Injectable()
export class BotCheckGuard implements CanActivate {
  constructor(private readonly checks: BotCheckService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CheckedRequest>();
    request.botChecked = await this.checks.check(request.body, request.ip);
    return true;
  }
}

/** Puts a route behind the bot check. Guards run in the order they are declared bottom-up: place it below LimitPerIp. */
export const CheckForBots = () => UseGuards(BotCheckGuard);

/** Whether the request passed a bot check (false when none was needed). */
export const BotChecked = createParamDecorator(
  (_data: unknown, context: ExecutionContext): boolean =>
    context.switchToHttp().getRequest<CheckedRequest>().botChecked === true,
);
