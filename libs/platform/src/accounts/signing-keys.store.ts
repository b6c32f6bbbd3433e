import type { JsonWebKey } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { KEY_ID_BYTES, keyIdOf, newSigningKey, sealPrivateKey, type SigningAlgorithm } from '@app/domain';

/** A signing key as PostgreSQL keeps it; the private half still sealed. */
export interface StoredSigningKey {
  id: string;
  algorithm: SigningAlgorithm;
  publicJwk: JsonWebKey;
  privateKey: Buffer;
  createdAt: Date;
  signsFrom: Date;
  /** Withdrawn by `keys retire`: neither signs nor verifies, but still ends its predecessors' time. */
  retiredAt: Date | null;
}

/** The keys in use at a moment: the one that signs, and every one that verifies (the JWKS). */
export interface SigningKeySet {
  signing: StoredSigningKey | null;
  verifying: StoredSigningKey[];
  /** When the set next changes by itself (a published key starts signing, an old one leaves), or null. */
  changesAt: Date | null;
}

/** Seconds a key verifies beyond its last signature: the access tokens' lifetime, plus a minute of clock skew. */
const verifyLeeway = (accessTtlSeconds: number) => (accessTtlSeconds + 60) * 1000;

/**
 * Which keys sign and verify at `now`: the newest key whose `signs_from` has
 * come signs; a key whose successor has signed for longer than an access token
 * lives has no token left to verify and leaves the set, for good (a retired
 * successor that signed ends its time too, so retiring a key never brings an
 * older one back; one retired before its turn ends nothing); a key not yet
 * signing is published already; a retired key neither signs nor verifies.
 */
export function signingKeySetAt(keys: StoredSigningKey[], now: Date, accessTtlSeconds: number): SigningKeySet {
  // A key retired before its turn to sign never took over from anyone: it is as if it had not been made.
  const sorted = keys
    .filter((key) => key.retiredAt === null || key.retiredAt > key.signsFrom)
    .sort((a, b) => a.signsFrom.getTime() - b.signsFrom.getTime());
  const t = now.getTime();
  const leeway = verifyLeeway(accessTtlSeconds);
  let signing: StoredSigningKey | null = null;
  const verifying: StoredSigningKey[] = [];
  let changesAt: number | null = null;
  const soonest = (at: number) => (changesAt = changesAt === null ? at : Math.min(changesAt, at));
  sorted.forEach((key, index) => {
    const successor = sorted[index + 1];
    const leavesAt = successor ? successor.signsFrom.getTime() + leeway : null;
    const inSet = leavesAt === null || leavesAt > t;
    if (key.retiredAt !== null || !inSet) return;
    if (key.signsFrom.getTime() <= t) signing = key;
    else soonest(key.signsFrom.getTime());
    verifying.push(key);
    if (leavesAt !== null) soonest(leavesAt);
  });
  return { signing, verifying, changesAt: changesAt === null ? null : new Date(changesAt) };
}

interface KeyRow {
  id: string;
  algorithm: SigningAlgorithm;
  public_jwk: JsonWebKey;
  private_key: Buffer;
  created_at: Date;
  signs_from: Date;
  retired_at: Date | null;
}

const fromRow = (row: KeyRow): StoredSigningKey => ({
  id: row.id,
  algorithm: row.algorithm,
  publicJwk: row.public_jwk,
  privateKey: row.private_key,
  createdAt: row.created_at,
  signsFrom: row.signs_from,
  retiredAt: row.retired_at,
});

/**
 * Every statement on signing keys, for the API (which reads them and, outside
 * production, makes the first) and `npm run keys` (which makes, lists and
 * retires them). Plain SQL on the data source either one has.
 */
export class SigningKeysStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Every key, retired ones included (they still end their predecessors'
   * time), with the database's clock (the one `signs_from` is written with).
   */
  async load(): Promise<{ keys: StoredSigningKey[]; now: Date }> {
    const rows = await this.db.query<Array<KeyRow & { now: Date }>>(
      `SELECT k.*, now() AS now FROM (SELECT now()) n LEFT JOIN signing_keys k ON true`,
    );
    return { keys: rows.filter((row) => row.id !== null).map(fromRow), now: rows[0].now };
  }

  /**
   * A new key pair, sealed with the secret, signing `publishSeconds` from now
   * (published in the JWKS at once). Answers its id and when it signs.
   */
  async create(
    algorithm: SigningAlgorithm,
    keyEncryptionSecret: string,
    publishSeconds: number,
  ): Promise<{ id: string; signsFrom: Date }> {
    await this.checkSecret(keyEncryptionSecret);
    const key = newSigningKey(algorithm);
    const [row] = await this.db.query<Array<{ signs_from: Date }>>(
      `INSERT INTO signing_keys (id, algorithm, public_jwk, private_key, signs_from)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING signs_from`,
      [key.id, algorithm, key.publicJwk, sealPrivateKey(keyEncryptionSecret, key.id, key.privatePem), publishSeconds],
    );
    return { id: key.id, signsFrom: row.signs_from };
  }

  /**
   * Makes a key that signs now unless one already signs or is published to:
   * the first start outside production, and the image's `migrate`. Under a
   * transaction-scoped advisory lock, so processes starting together make one.
   * Answers the new key's id, or null when there was one already.
   */
  async ensure(algorithm: SigningAlgorithm, keyEncryptionSecret: string): Promise<string | null> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`);
      const [{ count }] = await manager.query<Array<{ count: number }>>(
        'SELECT count(*)::int AS count FROM signing_keys WHERE retired_at IS NULL',
      );
      if (count > 0) return null;
      const key = newSigningKey(algorithm);
      await manager.query(
        `INSERT INTO signing_keys (id, algorithm, public_jwk, private_key, signs_from) VALUES ($1, $2, $3, $4, now())`,
        [key.id, algorithm, key.publicJwk, sealPrivateKey(keyEncryptionSecret, key.id, key.privatePem)],
      );
      return key.id;
    });
  }

  /**
   * Refuses a KEY_ENCRYPTION_SECRET other than the one the keys in use were
   * sealed with: a key made under it would be one the APIs cannot open.
   */
  private async checkSecret(secret: string): Promise<void> {
    const [row] = await this.db.query<Array<{ id: string; private_key: Buffer }>>(
      'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY signs_from DESC LIMIT 1',
    );
    const sealedWith = row?.private_key.subarray(0, KEY_ID_BYTES);
    if (sealedWith && !sealedWith.equals(keyIdOf(secret))) {
      throw new Error(
        `KEY_ENCRYPTION_SECRET is not the secret key ${row.id} was sealed with (secret id ${sealedWith.toString('base64url')}): ` +
          'run the command with the secret the APIs have',
      );
    }
  }

  /** Withdraws a key at once: out of the JWKS, its tokens refused. Answers whether it was in use. */
  async retire(id: string): Promise<boolean> {
    const [, count] = await this.db.query<[unknown, number]>(
      'UPDATE signing_keys SET retired_at = now() WHERE id = $1 AND retired_at IS NULL',
      [id],
    );
    return count > 0;
  }
}
