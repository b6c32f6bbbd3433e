import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, numberBlock, phoneCountry } from '@app/domain';
import { AppConfig } from '@app/platform';
import { ApiMetrics } from '../metrics/api-metrics.js';
import { ConversionRepository } from './conversion.repository.js';
import { SmsBudgetStore, type BudgetClaim } from './sms-budget.store.js';

const WINDOW_MS = 60 * 60 * 1000;
/** A range's conversion is read again after this long: a process asks PostgreSQL at most this often per range. */
const CONVERSION_FRESH_MS = 5_000;
/** Ranges remembered at once; past this the memory starts over (a scan of many ranges costs reads, not memory). */
const CONVERSION_RANGES_KEPT = 10_000;

/**
 * The defences against SMS pumping, before a code is sent: the destination
 * country must be allowed, and the deployment, the country and the block of
 * 1,000 numbers must each have room in their rolling-hour budget. The answers
 * depend on the number alone, never on whether it has an account. Fixed-code
 * test numbers are exempt (the caller does not ask).
 */
@Injectable()
export class PumpingService {
  private readonly logger = new Logger(PumpingService.name);
  /** Per number range: whether its conversion is low, and until when that reading holds. */
  private readonly ranges = new Map<string, { low: boolean; until: number }>();
  /** Per number range being read: the one read every code to it waits for. */
  private readonly reads = new Map<string, Promise<boolean>>();

  constructor(
    private readonly config: AppConfig,
    private readonly budgets: SmsBudgetStore,
    private readonly metrics: ApiMetrics,
    private readonly conversions: ConversionRepository,
  ) {}

  /**
   * Pumping seen by conversion (SPEC section 14): when the numbers of this
   * number's range were sent codes and too few of them verified one (below
   * SMS_CONVERSION_MIN_RATIO, with at least SMS_CONVERSION_MIN_CODES numbers in
   * the window), a code to it is 429 SMS_BUDGET_EXCEEDED, or in shadow mode only
   * counted and logged, until the range's conversion recovers (its old codes
   * leave the window, or its numbers verify).
   */
  async checkConversion(phoneNumber: string, botChecked = false): Promise<void> {
    const conversion = this.config.pumping.conversion;
    if (!conversion || !(await this.conversionLow(phoneNumber))) return;
    // BOT_CHECK_WHEN=pumping: the flagged range asks for a bot check instead, and a person who passed it goes on.
    const mode = botChecked && this.config.botCheck?.pumping ? 'bot_checked' : conversion.mode;
    this.metrics.smsConversionTrips.labels(phoneCountry(phoneNumber) ?? 'none', mode).inc();
    if (mode !== 'enforce') return;
    this.metrics.otpRequests.count('budget_exceeded');
    throw new DomainError(ErrorCode.SMS_BUDGET_EXCEEDED, undefined, {
      retryAfterSeconds: Math.ceil(CONVERSION_FRESH_MS / 1000),
    });
  }

  /**
   * Whether the number's range converts below SMS_CONVERSION_MIN_RATIO (read at
   * most every 5 s per range). The codes that arrive while a range is read wait
   * for that one read: a range's count grows with its codes in the window, and
   * a read per code at a burst's rate would each take longer than the last.
   */
  async conversionLow(phoneNumber: string): Promise<boolean> {
    const conversion = this.config.pumping.conversion;
    if (!conversion) return false;
    const range = phoneNumber.slice(0, Math.max(2, phoneNumber.length - conversion.rangeDigits));
    const reading = this.ranges.get(range);
    if (reading && reading.until > Date.now()) return reading.low;
    let read = this.reads.get(range);
    if (!read) {
      read = this.readConversion(range, conversion, reading?.low ?? false).finally(() => this.reads.delete(range));
      this.reads.set(range, read);
    }
    return read;
  }

  private async readConversion(
    range: string,
    conversion: NonNullable<AppConfig['pumping']['conversion']>,
    wasLow: boolean,
  ): Promise<boolean> {
    const { sent, verified } = await this.conversions.conversionOf(
      range,
      conversion.windowSeconds,
      conversion.settleSeconds,
    );
    const low = sent >= conversion.minCodes && verified / sent < conversion.minRatio;
    if (low && !wasLow) {
      this.logger.warn(
        // The range without its plus: a number's first digits, which the log's phone mask would hide.
        { range: range.slice(1), sent, verified, mode: conversion.mode },
        'SMS conversion of a number range fell below SMS_CONVERSION_MIN_RATIO',
      );
    }
    if (this.ranges.size >= CONVERSION_RANGES_KEPT) this.ranges.clear();
    this.ranges.set(range, { low, until: Date.now() + CONVERSION_FRESH_MS });
    return low;
  }

  /** 422 PHONE_COUNTRY_NOT_ALLOWED unless the number's country may receive codes. */
  checkCountry(phoneNumber: string): void {
    const { countriesAllowed, countriesDenied } = this.config.pumping;
    if (!countriesAllowed && countriesDenied.size === 0) return;
    const country = phoneCountry(phoneNumber) ?? '';
    if ((countriesAllowed && !countriesAllowed.has(country)) || countriesDenied.has(country)) {
      this.metrics.otpRequests.count('country_blocked');
      throw new DomainError(ErrorCode.PHONE_COUNTRY_NOT_ALLOWED);
    }
  }

  /**
   * The one owner of a code's budgets: reserves the number's room under
   * `requestId`, runs `create`, and keeps the reservation only when `kept` says
   * the code was made; a refusal (cooldown, hourly cap, lockout, a taken name)
   * or a failure gives it back. A budget with no room refuses before `create`
   * runs, with 429 SMS_BUDGET_EXCEEDED and Retry-After. Exempt numbers (the
   * fixed-code test numbers) claim nothing. A process that dies between the
   * reservation and the release leaves one slot taken until the window moves
   * past it (decision 025).
   */
  async withBudgets<T>(
    requestId: string,
    phoneNumber: string,
    exempt: boolean,
    create: () => Promise<T>,
    kept: (result: T) => boolean,
  ): Promise<T> {
    const claims = exempt ? [] : this.claimsFor(phoneNumber);
    await this.reserve(requestId, claims);
    let result: T;
    try {
      result = await create();
    } catch (error) {
      await this.release(requestId, claims).catch(() => undefined);
      throw error;
    }
    if (!kept(result)) await this.release(requestId, claims);
    return result;
  }

  /** The budgets a code to this number counts against; none when every budget is off. */
  claimsFor(phoneNumber: string): BudgetClaim[] {
    const { perHour, perCountryPerHour, perBlockPerHour } = this.config.pumping;
    const claims: BudgetClaim[] = [];
    if (perHour) claims.push({ key: 'deployment', limit: perHour });
    if (perCountryPerHour)
      claims.push({ key: `country:${phoneCountry(phoneNumber) ?? 'none'}`, limit: perCountryPerHour });
    if (perBlockPerHour) claims.push({ key: `block:${numberBlock(phoneNumber)}`, limit: perBlockPerHour });
    return claims;
  }

  /** Counts a code request against its budgets, or refuses it with 429 SMS_BUDGET_EXCEEDED and Retry-After. */
  private async reserve(requestId: string, claims: BudgetClaim[]): Promise<void> {
    if (claims.length === 0) return;
    const reservation = await this.budgets.reserve(requestId, claims, WINDOW_MS);
    if (reservation.granted) return;
    this.metrics.otpRequests.count('budget_exceeded');
    if (await this.budgets.firstTrip(reservation.key, WINDOW_MS)) {
      const limit = claims.find((claim) => claim.key === reservation.key)?.limit;
      // A block's key without its plus: a number's first digits, which the log's phone mask would hide.
      const budget = reservation.key.replace(/^block:\+/, 'block:');
      this.logger.warn({ budget, limit }, 'SMS budget tripped: codes refused until it has room again');
    }
    throw new DomainError(ErrorCode.SMS_BUDGET_EXCEEDED, undefined, {
      retryAfterSeconds: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)),
    });
  }

  /** Gives a reservation back: the code was refused after all. */
  private async release(requestId: string, claims: BudgetClaim[]): Promise<void> {
    if (claims.length > 0)
      await this.budgets.release(
        requestId,
        claims.map((claim) => claim.key),
      );
  }
}
