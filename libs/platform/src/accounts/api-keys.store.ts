import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newApiKey, parseApiKey, type ApiKeyScope } from '@app/domain';

/** An API key as listed: never its secret, which nobody sees again after its creation. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The key's public part: `rfk_<key_id>_…` names it in a log or a list. */
  key_id: string;
  scopes: ApiKeyScope[];
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A presented key that is live: whose and what it may do. */
export interface ApiKeyCaller {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}

const COLUMNS = 'id, name, key_id, scopes, created_by, created_at, last_used_at, revoked_at';

/**
 * Every statement on API keys, for the API (admin routes, the guard) and
 * `npm run api-keys`. A key is `rfk_<16 hex>_<43 base64url>`; only the SHA-256
 * of its secret part is kept. Its last use is written at most once a minute.
 */
export class ApiKeysStore {
  constructor(private readonly db: DataSource) {}

  /** Makes a key; answers it whole, once. */
  async create(name: string, scopes: ApiKeyScope[], createdBy: string): Promise<{ key: string; record: ApiKeyRecord }> {
    const made = newApiKey();
    const [record] = await this.db.query<ApiKeyRecord[]>(
      `INSERT INTO api_keys (id, name, key_id, secret_hash, scopes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [randomUUID(), name, made.keyId, made.secretHash, [...new Set(scopes)].sort(), createdBy],
    );
    return { key: made.token, record };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.db.query<ApiKeyRecord[]>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
  }

  /** Revokes a key by its id; answers whether a live key was revoked. Its next request is refused. */
  async revoke(id: string): Promise<boolean> {
    const [, count] = await this.db.query<[unknown, number]>(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return count > 0;
  }

  /** The live key a bearer token is, or null (unknown, revoked, altered, or not shaped like a key). */
  async authenticate(token: string): Promise<ApiKeyCaller | null> {
    const presented = parseApiKey(token);
    if (!presented) return null;
    const [row] = await this.db.query<Array<ApiKeyCaller & { secret_hash: Buffer; stale: boolean }>>(
      `SELECT id, name, scopes, secret_hash,
              (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
         FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL`,
      [presented.keyId],
    );
    if (!row || !timingSafeEqual(row.secret_hash, presented.secretHash)) return null;
    if (row.stale) await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
    return { id: row.id, name: row.name, scopes: row.scopes };
  }
}
