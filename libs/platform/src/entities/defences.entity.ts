import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One wrong code for a phone's live code: the rolling 24-hour ceiling counts these (the defences migration). */
@Entity('sign_in_failures')
@Index('sign_in_failures_failed_at_idx', ['failedAt'])
export class SignInFailureEntity {
  @PrimaryColumn({
    name: 'phone_number',
    type: 'varchar',
    length: 16,
    primaryKeyConstraintName: 'sign_in_failures_pkey',
  })
  phoneNumber: string;

  @PrimaryColumn({
    name: 'failed_at',
    type: 'timestamptz',
    default: () => 'clock_timestamp()',
    primaryKeyConstraintName: 'sign_in_failures_pkey',
  })
  failedAt: Date;
}

/** A keyed hash of a phone number that was once counted as a referral: it is never counted again. */
@Entity('referred_phones')
export class ReferredPhoneEntity {
  @PrimaryColumn({ name: 'phone_hash', type: 'bytea', primaryKeyConstraintName: 'referred_phones_pkey' })
  phoneHash: Buffer;

  @Column({ name: 'first_referred_at', type: 'timestamptz', default: () => 'now()' })
  firstReferredAt: Date;
}

/** One rename of a user: a few an hour at most. */
@Entity('username_changes')
@Index('username_changes_changed_at_idx', ['changedAt'])
export class UsernameChangeEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'username_changes_pkey' })
  userId: string;

  @PrimaryColumn({
    name: 'changed_at',
    type: 'timestamptz',
    default: () => 'clock_timestamp()',
    primaryKeyConstraintName: 'username_changes_pkey',
  })
  changedAt: Date;
}
