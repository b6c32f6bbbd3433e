import { applyDecorators, Inject, Injectable, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import { DomainError, ErrorCode } from '@app/domain';
import { ApiMetrics } from '../metrics/api-metrics.js';

/** The per-client-IP limits; their sizes come from SIGNUP_, VERIFY_ and TOKEN_IP_RATE_LIMIT. */
export const IP_LIMITS = ['signup', 'verify', 'token'] as const;
export type IpLimit = (typeof IP_LIMITS)[number];

/**
 * @nestjs/throttler's guard, answering in the API's error body: 429
 * RATE_LIMITED with Retry-After (the default tracker keys a client by its
 * address, IPv6 clients by their /64, from Fastify's `request.ip`, which reads
 * X-Forwarded-For only when TRUST_PROXY says so).
 */
@Injectable()
export class IpThrottlerGuard extends ThrottlerGuard {
  // A property, so the throttler's own constructor stays as it is.
  @Inject(ApiMetrics) private readonly metrics!: ApiMetrics;

  /** A code request refused by the per-IP limit is one of the code requests' outcomes. */
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      // A storage that does not answer (503) is no outcome of the request.
      const limited = error instanceof DomainError && error.code === ErrorCode.RATE_LIMITED;
      if (limited && request.throttler.name === 'signup') this.metrics.otpRequests.count('ip_limited');
      throw error;
    }
  }

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
