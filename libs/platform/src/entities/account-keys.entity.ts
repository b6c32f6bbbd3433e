import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A key pair that signs access tokens (SPEC section 12); the private key sealed with KEY_ENCRYPTION_SECRET. */
@Entity('signing_keys')
@Index('signing_keys_signs_from_idx', ['signsFrom'])
@Check('signing_keys_algorithm_check', `algorithm IN ('EdDSA', 'ES256')`)
export class SigningKeyEntity {
  /** The `kid` of the tokens it signs. */
  @PrimaryColumn('varchar', { length: 32, primaryKeyConstraintName: 'signing_keys_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 8 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: object;

  @Column({ name: 'private_key', type: 'bytea' })
  privateKey: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'signs_from', type: 'timestamptz' })
  signsFrom: Date;

  /** Withdrawn at once (a key thought exposed): out of the JWKS, its tokens refused. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}

/** A key of the host app's backend: `rfk_<key_id>_<secret>`, kept as the secret's SHA-256. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'api_keys_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Index('api_keys_key_id_key', { unique: true })
  @Column({ name: 'key_id', type: 'varchar', length: 16 })
  keyId: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash: Buffer;

  @Column({ type: 'text', array: true })
  scopes: string[];

  /** `admin:<user id>` or `command`. */
  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
