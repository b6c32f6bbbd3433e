import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { JsonWebKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isUuid, openPrivateKey, publicPemOf } from '@app/domain';
import { AppConfig, signingKeySetAt, StartupError, type StoredSigningKey } from '@app/platform';
import { SigningKeysRepository } from './account-keys.repository.js';
import type { AccessTokenClaims, TokenHolder } from './auth-user.js';
import { verifiedOnce, type Verify } from './verified-once.js';

/** RFC 6750 section 2.1: the scheme is case-insensitive; the token is one b64token. */
const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;
/** How often every API process reads the key set again: a rotation reaches all of them within it. */
const RELOAD_MS = 10_000;
/** An unknown `kid` reads the set again, at most this often (its request waits for the read). */
const UNKNOWN_KID_RELOAD_MS = 1_000;
/** The key set the JWKS route answers is at most this old. */
const JWKS_FRESH_MS = 1_000;
/** Verified tokens kept per key until their expiry: the profile read checks an Ed25519 signature once per token. */
const VERIFIED_CACHE_SIZE = 10_000;

interface LoadedKey {
  key: StoredSigningKey;
  verify: Verify;
  /** The header this key writes, the same on every token it signs: most tokens are found by it alone. */
  header: string;
}

/**
 * Access tokens (fast-jwt), SPEC section 12: signed by the current signing key
 * (EdDSA or ES256, its id as `kid`), verified by the key `kid` names among
 * those in the set (signingKeySetAt): HS256, `alg: none`, a missing or unknown
 * `kid` and a key that has left the set are refused. Issuer, audience and
 * expiry required and checked, read from the Authorization header only. The
 * keys live in PostgreSQL (SigningKeysStore); every process reads them at start,
 * every 10 s, when the set changes by itself (a published key starts signing)
 * and for an unknown `kid` (the request waits for a read that began after it,
 * at most one a second). A verifier per key keeps up to 10,000
 * verified tokens until they expire (verifiedOnce), so the hot read pays
 * for a signature check once per token, not once per request.
 *
 * Whether the session is still live is checked next, by JwtAuthGuard (or, for
 * GET /users/me/, inside the profile's own query).
 */
@Injectable()
export class AccessTokens implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AccessTokens.name);
  private byId = new Map<string, LoadedKey>();
  private byHeader = new Map<string, LoadedKey>();
  private signer: { id: string; sign: (claims: AccessTokenClaims) => string } | null = null;
  /** Local time when the set changes by itself, and the database clock's lead on ours. */
  private changesAt: number | null = null;
  private clockLead = 0;
  private jwks: { keys: JsonWebKey[] } = { keys: [] };
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | null = null;
  private fresh: Promise<void> | null = null;
  private lastLoad = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly store: SigningKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const { algorithm, keyEncryptionSecret } = this.config.jwt;
    if (!keyEncryptionSecret) throw new StartupError('KEY_ENCRYPTION_SECRET is not set: the API signs access tokens');
    if (!this.config.isProduction) {
      const made = await this.store.ensure(algorithm, keyEncryptionSecret);
      if (made) this.logger.log({ kid: made, algorithm }, 'made the first signing key');
    }
    await this.load();
    if (!this.signer) {
      throw new StartupError(
        'no signing key in the database: run `npm run keys -- ensure` (the image: `keys ensure`; its `migrate` runs it given KEY_ENCRYPTION_SECRET)',
      );
    }
    this.timer = setInterval(() => void this.reload(), RELOAD_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * The public keys in the set, as `GET /.well-known/jwks.json` answers them:
   * read again when the last read is over a second old, so a key is published
   * by every process as soon as it is made (verifiers fetch this rarely).
   */
  async publicKeys(): Promise<{ keys: JsonWebKey[] }> {
    if (Date.now() - this.lastLoad > JWKS_FRESH_MS) await this.reload();
    return this.jwks;
  }

  sign(userId: string, sessionId: string): string {
    this.refreshIfDue();
    return this.signer!.sign({ sub: userId, sid: sessionId });
  }

  /** The holder of the request's bearer token; null when there is none, or it is not one of ours and valid. */
  async holderOf(authorization: string | undefined): Promise<TokenHolder | null> {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return null;
    this.refreshIfDue();
    let key = this.keyFor(token);
    if (key === undefined) {
      // Signed by a key this process has not read yet (made moments ago), or by none of ours: the answer waits
      // for a read of the set that starts after it arrived (one a second for every such request together).
      await this.freshLoad();
      key = this.keyFor(token);
    }
    if (!key) return null;
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = key.verify(token);
    } catch (error) {
      // A refused token is the caller's; anything else is ours and stays a 5xx.
      if (error instanceof TokenError) return null;
      throw error;
    }
    const { sub, sid } = claims;
    if (!isUuid(sub) || !isUuid(sid)) return null;
    return { id: sub, sessionId: sid };
  }

  /** The key a token names: by its whole header first, else by the `kid` in it; undefined when none matches. */
  private keyFor(token: string): LoadedKey | null | undefined {
    const header = token.slice(0, token.indexOf('.'));
    const known = this.byHeader.get(header);
    if (known) return known;
    let kid: unknown;
    try {
      kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: unknown }).kid;
    } catch {
      return null;
    }
    if (typeof kid !== 'string') return null;
    return this.byId.get(kid);
  }

  private refreshIfDue(): void {
    if (this.changesAt !== null && Date.now() >= this.changesAt) {
      this.changesAt = null;
      void this.reload();
    }
  }

  /**
   * A read of the set that starts after the call, at most one a second: what a
   * token with an unknown `kid` waits for. Calls while one is pending share it;
   * a read already in progress may have begun before the key existed, so it is
   * let finish first.
   */
  private freshLoad(): Promise<void> {
    this.fresh ??= (async () => {
      const wait = this.lastLoad + UNKNOWN_KID_RELOAD_MS - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.loading) await this.loading;
      this.fresh = null;
      await this.reload();
    })();
    return this.fresh;
  }

  /** Reads the set again; one read at a time, the callers of a read in progress wait for it. */
  private reload(): Promise<void> {
    this.loading ??= this.load()
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'reading the signing keys failed; keeping the last set'),
      )
      .finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<void> {
    this.lastLoad = Date.now();
    const { keys, now } = await this.store.load();
    this.clockLead = now.getTime() - Date.now();
    const { accessTtlSeconds } = this.config.jwt;
    const set = signingKeySetAt(keys, now, accessTtlSeconds);
    const byId = new Map<string, LoadedKey>();
    for (const key of set.verifying) byId.set(key.id, this.byId.get(key.id) ?? this.loaded(key));
    const byHeader = new Map<string, LoadedKey>();
    for (const loaded of byId.values()) byHeader.set(loaded.header, loaded);
    this.byId = byId;
    this.byHeader = byHeader;
    this.jwks = { keys: set.verifying.map((key) => key.publicJwk) };
    this.changesAt = set.changesAt === null ? null : set.changesAt.getTime() - this.clockLead;
    // Last: a key that does not open (another KEY_ENCRYPTION_SECRET) leaves the last signer in place, and the
    // verifying set above (a retirement, a key leaving) is current all the same.
    if (set.signing && set.signing.id !== this.signer?.id) {
      try {
        this.signer = this.signerOf(set.signing);
      } catch (error) {
        if (!this.signer) throw new StartupError((error as Error).message);
        this.logger.error(
          { err: error, kid: set.signing.id },
          'the new signing key does not open: signing with the last one',
        );
      }
    }
  }

  private loaded(key: StoredSigningKey): LoadedKey {
    const { issuer, audience } = this.config.jwt;
    const check: Verify = createVerifier({
      key: publicPemOf(key.publicJwk),
      algorithms: [key.algorithm],
      allowedIss: issuer,
      allowedAud: audience,
      requiredClaims: ['exp', 'iss', 'aud'],
    });
    const header = Buffer.from(JSON.stringify({ alg: key.algorithm, typ: 'JWT', kid: key.id })).toString('base64url');
    return { key, verify: verifiedOnce(check, VERIFIED_CACHE_SIZE), header };
  }

  private signerOf(key: StoredSigningKey): { id: string; sign: (claims: AccessTokenClaims) => string } {
    const { issuer, audience, accessTtlSeconds, keyEncryptionSecret } = this.config.jwt;
    const sign = createSigner({
      key: openPrivateKey(keyEncryptionSecret!, key.id, key.privateKey),
      algorithm: key.algorithm,
      kid: key.id,
      iss: issuer,
      aud: audience,
      expiresIn: accessTtlSeconds * 1000,
    });
    return { id: key.id, sign };
  }
}
