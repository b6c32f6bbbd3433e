import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BlockList, isIPv6 } from 'node:net';
import { AppConfig, DomainError, ErrorCode } from '@app/domain';

/** A list of addresses and CIDRs as Node's BlockList, which matches an address against both. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

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
    const socket = context.switchToHttp().getRequest<FastifyRequest>().raw.socket;
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (address && this.allowed.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')) return true;
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      'The simulated inbox answers this machine only (and DEV_INBOX_FROM): it holds sign-in codes.',
    );
  }
}
