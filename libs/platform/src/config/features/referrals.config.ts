import { IsIn, Matches } from 'class-validator';
import { type FeatureContext, GROUPS, type HelpOf, INTEGER, splitList } from './shared.js';

/** The fraud signals a rule can weigh (SPEC section 13), as referral_open names them. */
export const FRAUD_SIGNALS = ['same_device', 'same_network', 'velocity', 'not_mobile', 'foreign_country'] as const;
export type FraudSignal = (typeof FRAUD_SIGNALS)[number];
export type FraudRule = 'off' | 'review' | 'reject';

const DEFAULT_RULES: Record<FraudSignal, FraudRule> = {
  same_device: 'reject',
  same_network: 'review',
  velocity: 'review',
  not_mobile: 'off',
  foreign_country: 'off',
};

/** `100 credit`, `1.5 days`: an amount and a unit the host interprets. */
const REWARD = /^\s*(\d{1,12}(?:\.\d{1,4})?)\s+([a-z][a-z0-9_]{0,31})\s*$/;
const MILESTONE = /^\s*(\d{1,6})\s*:\s*(.+)$/;

export class ReferralSettings {
  @IsIn(['signup', 'action'], { message: 'REFERRAL_QUALIFY_ON must be signup or action' })
  REFERRAL_QUALIFY_ON = 'signup';

  @Matches(INTEGER, { message: 'REFERRAL_HOLD_SECONDS must be a number of seconds' })
  REFERRAL_HOLD_SECONDS = '0';

  @Matches(INTEGER, { message: 'REFERRAL_VELOCITY_PER_HOUR must be a number of referrals (0: no limit)' })
  REFERRAL_VELOCITY_PER_HOUR = '20';

  @Matches(/^[\w\s:,]*$/, { message: 'REFERRAL_FRAUD_RULES must be signal:rule pairs, comma-separated' })
  REFERRAL_FRAUD_RULES = Object.entries(DEFAULT_RULES)
    .map(([signal, rule]) => `${signal}:${rule}`)
    .join(',');

  @Matches(/^[\w\s.]*$/, { message: 'REFERRAL_REWARD_INVITER must be an amount and a unit, such as 100 credit' })
  REFERRAL_REWARD_INVITER = '';

  @Matches(/^[\w\s.]*$/, { message: 'REFERRAL_REWARD_INVITEE must be an amount and a unit, such as 100 credit' })
  REFERRAL_REWARD_INVITEE = '';

  @Matches(/^[\w\s.:,]*$/, { message: 'REFERRAL_MILESTONES must be count:amount unit pairs, comma-separated' })
  REFERRAL_MILESTONES = '';
}

const group = GROUPS.referrals;
export const REFERRALS_HELP: HelpOf<ReferralSettings> = {
  REFERRAL_QUALIFY_ON: {
    group,
    meaning:
      "what qualifies a referral: `signup` (the activation itself) or `action` (the host's backend reports the invitee's qualifying action: POST /api/v1/referrals/qualify)",
  },
  REFERRAL_HOLD_SECONDS: {
    group,
    meaning:
      'how long a qualified referral waits before it is final and rewarded (a refund window: 1209600 is 14 days); the host can void it before and after',
  },
  REFERRAL_VELOCITY_PER_HOUR: {
    group,
    meaning: "an inviter's referrals in the last hour above this raise the `velocity` signal; 0 is off",
  },
  REFERRAL_FRAUD_RULES: {
    group,
    meaning:
      'what each fraud signal makes of a referral, signal:rule with rule off, review (an admin decides) or reject (void at once); signals: ' +
      FRAUD_SIGNALS.join(', '),
  },
  REFERRAL_REWARD_INVITER: {
    group,
    meaning: 'what the inviter gets for each final referral, an amount and a unit (`100 credit`); empty is nothing',
  },
  REFERRAL_REWARD_INVITEE: {
    group,
    meaning: 'what the invitee gets when their referral is final, the same way; empty is nothing',
  },
  REFERRAL_MILESTONES: {
    group,
    meaning: "extra rewards at the inviter's Nth final referral: `5:500 credit, 10:1500 credit`; empty is none",
  },
};

export interface Reward {
  amount: number;
  unit: string;
}

/**
 * The referral policy as the lifecycle's functions take it (one jsonb
 * parameter): what qualifies, the hold, the fraud rules and the rewards.
 */
export interface ReferralPolicy {
  qualify_on_signup: boolean;
  hold_seconds: number;
  velocity_per_hour: number;
  rules: Record<FraudSignal, FraudRule>;
  /**
   * Loopback addresses count as a network in production only: on a developer's
   * machine every client is 127.0.0.1, one network; in production a loopback
   * client is a sidecar or a misconfigured proxy, which the signal should show.
   */
  compare_loopback: boolean;
  rewards: { inviter: Reward | null; invitee: Reward | null; milestones: Array<Reward & { at: number }> };
}

export function referralsConfig(v: ReferralSettings, { problem, isProduction }: FeatureContext): ReferralPolicy {
  const reward = (variable: keyof ReferralSettings, text: string): Reward | null => {
    if (text.trim() === '') return null;
    const match = REWARD.exec(text);
    if (!match || Number(match[1]) <= 0) {
      problem(variable, `"${text.slice(0, 40)}" is not a positive amount and a unit, such as 100 credit`);
      return null;
    }
    return { amount: Number(match[1]), unit: match[2] };
  };
  const rules = { ...DEFAULT_RULES };
  for (const pair of splitList(v.REFERRAL_FRAUD_RULES)) {
    const [signal, rule, extra] = pair.split(':').map((part) => part.trim());
    if (
      !(FRAUD_SIGNALS as readonly string[]).includes(signal) ||
      !['off', 'review', 'reject'].includes(rule) ||
      extra
    ) {
      problem(
        'REFERRAL_FRAUD_RULES',
        `"${pair.slice(0, 40)}" is not signal:rule (signals ${FRAUD_SIGNALS.join(', ')}; rules off, review, reject)`,
      );
      continue;
    }
    rules[signal as FraudSignal] = rule as FraudRule;
  }
  const milestones: Array<Reward & { at: number }> = [];
  for (const pair of splitList(v.REFERRAL_MILESTONES)) {
    const match = MILESTONE.exec(pair);
    const given = match ? reward('REFERRAL_MILESTONES', match[2]) : null;
    if (!match || Number(match[1]) < 1) {
      problem('REFERRAL_MILESTONES', `"${pair.slice(0, 40)}" is not count:amount unit, such as 5:500 credit`);
    } else if (given && milestones.some(({ at }) => at === Number(match[1]))) {
      problem('REFERRAL_MILESTONES', `names ${match[1]} twice`);
    } else if (given) milestones.push({ at: Number(match[1]), ...given });
  }
  return {
    qualify_on_signup: v.REFERRAL_QUALIFY_ON === 'signup',
    hold_seconds: Number(v.REFERRAL_HOLD_SECONDS),
    velocity_per_hour: Number(v.REFERRAL_VELOCITY_PER_HOUR),
    rules,
    compare_loopback: isProduction,
    rewards: {
      inviter: reward('REFERRAL_REWARD_INVITER', v.REFERRAL_REWARD_INVITER),
      invitee: reward('REFERRAL_REWARD_INVITEE', v.REFERRAL_REWARD_INVITEE),
      milestones: milestones.sort((a, b) => a.at - b.at),
    },
  };
}
