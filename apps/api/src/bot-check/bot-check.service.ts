import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { isIP } from 'node:net';
import { DomainError, ErrorCode, normalizePhoneNumber, phoneCountry } from '@app/domain';
import { AppConfig, type BotCheckConfig } from '@app/platform';
import { clientAddress } from '../common/client-address.js';
import { ApiMetrics } from '../metrics/api-metrics.js';
import { PumpingService } from '../pumping/pumping.service.js';
import { SiteVerifyClient } from './siteverify.js';

/** How long a refused provider's sign-ups are told to wait. */
const UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * SPEC section 15: a bot check before a code is sent. Runs before every limit
 * (its guard sits ahead of the per-address limit; the per-number rules and the
 * budgets come after it in the service), so a refused request spends none.
 * Whether a sign-up needs one is BOT_CHECK_WHEN's: always, or when its address
 * or its number's country made more sign-ups in the window than the threshold,
 * or while the conversion check flags its number's range. The widget's token is
 * checked with the provider's siteverify; a provider that does not answer in
 * time lets the sign-up through or refuses it, as BOT_CHECK_ON_UNAVAILABLE says,
 * logged and counted either way.
 */
@Injectable()
export class BotCheckService implements OnApplicationShutdown {
  private readonly logger = new Logger(BotCheckService.name);
  private readonly client: SiteVerifyClient | null;

  constructor(
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly counters: ThrottlerStorage,
    private readonly pumping: PumpingService,
    private readonly metrics: ApiMetrics,
  ) {
    const settings = config.botCheck;
    this.client = settings
      ? new SiteVerifyClient({
          provider: settings.provider,
          url: settings.verifyUrl,
          secret: settings.secret,
          siteKey: settings.siteKey,
          timeoutMs: settings.timeoutMs,
          minScore: settings.minScore,
          hostnames: settings.hostnames,
        })
      : null;
  }

  /**
   * Answers whether the sign-up passed a check; throws 403 BOT_CHECK_FAILED when
   * it needed one and did not pass (no token, a bad one), 503 when the provider
   * did not answer and BOT_CHECK_ON_UNAVAILABLE is refuse. `body` is the raw
   * body: the guard runs before validation.
   */
  async check(body: unknown, ip: string): Promise<boolean> {
    const settings = this.config.botCheck;
    if (!settings || !this.client) return false;
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (!(await this.required(settings, fields.phone_number, ip))) return false;

    const { provider } = settings;
    const token = fields.bot_check_token;
    if (typeof token !== 'string' || token.length === 0) {
      this.metrics.botChecks.labels(provider, 'missing').inc();
      throw new DomainError(ErrorCode.BOT_CHECK_FAILED, undefined, {
        details: [{ field: 'bot_check_token', message: `is required: the ${provider} widget's token` }],
      });
    }
    const done = this.metrics.botCheckSeconds.startTimer({ provider });
    const verdict = await this.client.verify(token, clientAddress(ip));
    done();
    switch (verdict.outcome) {
      case 'passed':
        this.metrics.botChecks.labels(provider, 'passed').inc();
        return true;
      case 'failed':
        this.metrics.botChecks.labels(provider, 'failed').inc();
        throw new DomainError(
          ErrorCode.BOT_CHECK_FAILED,
          'The bot check did not pass: solve it again; nothing was sent.',
          {
            details: [{ field: 'bot_check_token', message: verdict.reason }],
          },
        );
      case 'unavailable': {
        const allowed = settings.onUnavailable === 'allow';
        this.metrics.botChecks.labels(provider, allowed ? 'unavailable_allowed' : 'unavailable_refused').inc();
        this.logger.warn(
          { provider, reason: verdict.reason, on_unavailable: settings.onUnavailable },
          allowed
            ? 'bot check provider unavailable: sign-up let through'
            : 'bot check provider unavailable: sign-up refused',
        );
        if (allowed) return false;
        throw new DomainError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The bot check cannot be verified right now. Try again shortly.',
          { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS },
        );
      }
    }
  }

  /** Whether BOT_CHECK_WHEN asks this sign-up for a check; counts it against the address and country thresholds. */
  private async required(settings: BotCheckConfig, rawPhone: unknown, ip: string): Promise<boolean> {
    if (settings.always) return true;
    let phoneNumber: string | null = null;
    try {
      phoneNumber =
        typeof rawPhone === 'string' ? normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion) : null;
    } catch {
      // A bad number is the service's to answer (INVALID_PHONE_NUMBER); only the address counts it here.
    }
    const over = await Promise.all([
      settings.addressThreshold === null
        ? false
        : this.countPast(`address:${addressKey(ip)}`, settings.addressThreshold, settings.windowSeconds),
      settings.countryThreshold === null || phoneNumber === null
        ? false
        : this.countPast(
            `country:${phoneCountry(phoneNumber) ?? 'none'}`,
            settings.countryThreshold,
            settings.windowSeconds,
          ),
      settings.pumping && phoneNumber !== null ? this.pumping.conversionLow(phoneNumber) : false,
    ]);
    return over.some(Boolean);
  }

  /** Counts one sign-up under `key` (in the per-address limits' store: Redis, or PostgreSQL) and answers whether it is past `threshold`. */
  private async countPast(key: string, threshold: number, windowSeconds: number): Promise<boolean> {
    try {
      const { totalHits } = await this.counters.increment(
        `${this.config.redis.keyPrefix}:rate:botcheck:${key}`,
        windowSeconds * 1000,
        Number.MAX_SAFE_INTEGER,
        0,
        'botcheck',
      );
      return totalHits > threshold;
    } catch {
      // The store is down: the per-address limit refuses the request next (503); here, a check is asked for.
      return true;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
  }
}

/** An address as the thresholds count it: IPv4 as it is, IPv6 by its /64 (one subscriber's network). */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === null ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
