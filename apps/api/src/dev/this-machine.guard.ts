import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BlockList } from 'node:net';
import { DomainError, ErrorCode } from '@app/domain';
import { addressList, AppConfig, inAddressList } from '@app/platform';

/**
 * The simulated inbox holds sign-in codes, so it answers connections from this
 * machine (loopback) and from DEV_INBOX_FROM only: by the socket's own address,
 * never X-Forwarded-For, which any client can write. The compose demo publishes
 * the API on the host's 127.0.0.1 and names its network's gateway, the address
 * the host's connections arrive from.
 */
@Injectable()
export class ThisMachineGuard implements CanActivate {
  private readonly allowed: BlockList;

  constructor(config: AppConfig) {
    this.allowed = addressList(['127.0.0.0/8', '::1/128', ...config.sms.inboxFrom]);
  }

  canActivate(context: ExecutionContext): boolean {
    const { remoteAddress } = context.switchToHttp().getRequest<FastifyRequest>().raw.socket;
    if (remoteAddress && inAddressList(this.allowed, remoteAddress)) return true;
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      'The simulated inbox answers this machine only (and DEV_INBOX_FROM): it holds sign-in codes.',
    );
  }
}
