import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Wrong codes in a row for one phone, across codes. Kept in PostgreSQL so a
 * Redis restart cannot reset a lockout.
 */
@Entity('sign_in_attempts')
export class SignInAttemptEntity {
  @PrimaryColumn({
    name: 'phone_number',
    type: 'varchar',
    length: 16,
    primaryKeyConstraintName: 'sign_in_attempts_pkey',
  })
  phoneNumber: string;

  @Column({ name: 'failures_in_row', type: 'integer', default: 0 })
  failuresInRow: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** The step of the last lock (1: the first of OTP lock steps); escalates while locks come within a day. */
  @Column({ name: 'lock_level', type: 'smallint', default: 0 })
  lockLevel: number;

  @Column({ name: 'last_lock_ends', type: 'timestamptz', nullable: true })
  lastLockEnds: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
