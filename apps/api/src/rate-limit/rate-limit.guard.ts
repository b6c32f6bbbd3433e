import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig, DomainError, ErrorCode, type RateLimit } from '@app/domain';
import { clientKey } from './client-ip.js';
import { RateLimitStore } from './rate-limit.store.js';

/** The per-client-IP limits; their sizes come from SIGNUP_IP_RATE_LIMIT and VERIFY_IP_RATE_LIMIT. */
export type IpLimit = 'signup' | 'verify';

const IP_LIMIT = 'ip-limit';

/** Puts a route under one of the per-client-IP limits (with IpRateLimitGuard). */
export const LimitPerIp = (limit: IpLimit) => SetMetadata(IP_LIMIT, limit);

/**
 * Counts requests per client IP in a shared store. The client IP is Fastify's
 * `request.ip`, which reads X-Forwarded-For only when TRUST_PROXY allows it.
 */
@Injectable()
export class IpRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly store: RateLimitStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limit = this.reflector.get<IpLimit | undefined>(IP_LIMIT, context.getHandler());
    if (!limit) return true;
    const { limit: allowed, windowSeconds } = this.sizeOf(limit);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { hits, msLeft } = await this.store.hit(`${limit}:${clientKey(request.ip)}`, windowSeconds * 1000);
    if (hits > allowed) {
      throw new DomainError(ErrorCode.RATE_LIMITED, 'Too many requests from your network. Try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
      });
    }
    return true;
  }

  private sizeOf(limit: IpLimit): RateLimit {
    switch (limit) {
      case 'signup':
        return this.config.rateLimits.signupPerIp;
      case 'verify':
        return this.config.rateLimits.verifyPerIp;
    }
  }
}
