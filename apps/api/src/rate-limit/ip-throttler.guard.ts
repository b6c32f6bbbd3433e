import { applyDecorators, Injectable, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { DomainError, ErrorCode } from '@app/domain';

/** The per-client-IP limits; their sizes come from SIGNUP_IP_RATE_LIMIT and VERIFY_IP_RATE_LIMIT. */
export const IP_LIMITS = ['signup', 'verify'] as const;
export type IpLimit = (typeof IP_LIMITS)[number];

/**
 * @nestjs/throttler's guard, answering in the API's error body: 429
 * RATE_LIMITED with Retry-After (the default tracker keys a client by its
 * address, IPv6 clients by their /64, from Fastify's `request.ip`, which reads
 * X-Forwarded-For only when TRUST_PROXY says so).
 */
@Injectable()
export class IpThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(_context: unknown, detail: ThrottlerLimitDetail): Promise<void> {
    throw new DomainError(ErrorCode.RATE_LIMITED, 'Too many requests from your network. Try again later.', {
      retryAfterSeconds: Math.max(1, detail.timeToBlockExpire),
    });
  }
}

/** Puts a route under one of the per-client-IP limits, and only that one. */
export const LimitPerIp = (limit: IpLimit) =>
  applyDecorators(
    UseGuards(IpThrottlerGuard),
    SkipThrottle(Object.fromEntries(IP_LIMITS.filter((other) => other !== limit).map((other) => [other, true]))),
  );
