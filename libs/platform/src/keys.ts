import './config/node-version.js';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { API_KEY_SCOPES, isApiKeyScope, type ApiKeyScope } from '@app/domain';
import { ApiKeysStore } from './accounts/api-keys.store.js';
import { signingKeySetAt, SigningKeysStore } from './accounts/signing-keys.store.js';
import { loadKeysConfig } from './config/app-config.js';
import { loadSettings } from './config/settings.js';
import { exitOnStartFailure } from './config/startup.js';
import { dataSourceOptions } from './database/data-source.js';

const USAGE = `usage:
  npm run keys -- list                     the signing keys: which signs, which verify
  npm run keys -- rotate [--now]           a new key, published now, signing after JWT_KEY_PUBLISH_SECONDS (--now: at once)
  npm run keys -- retire <kid>             withdraw a key at once: its tokens are refused (rotate --now first)
  npm run keys -- ensure                   a first key when there is none (the image's migrate runs it)
  npm run api-keys -- create --name <name> --scopes <scope,…>   prints the key once (scopes: ${API_KEY_SCOPES.join(', ')})
  npm run api-keys -- list
  npm run api-keys -- revoke <id>`;

/** The access tokens' lifetime: a retired-by-rotation key verifies this long after its successor signs. */
const ACCESS_TTL_SECONDS = 15 * 60;

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/**
 * `npm run keys` and `npm run api-keys` (the image: `keys …`, `api-keys …`):
 * the token signing keys and the host backend's API keys, from a shell, with
 * the database's settings and KEY_ENCRYPTION_SECRET alone.
 */
async function main(argv: string[]): Promise<void> {
  const [group, command, ...args] = argv;
  if (group !== 'keys' && group !== 'api-keys') throw new UsageError(USAGE);
  const config = await loadSettings(loadKeysConfig);
  const dataSource = new DataSource({
    ...dataSourceOptions(config, `referral-${group}`, { direct: true }),
    extra: { max: 1 },
  });
  await dataSource.initialize();
  try {
    if (group === 'keys') await signingKeys(new SigningKeysStore(dataSource), config.jwt, command, args);
    else await apiKeys(new ApiKeysStore(dataSource), command, args);
  } finally {
    await dataSource.destroy();
  }
}

async function signingKeys(
  store: SigningKeysStore,
  jwt: ReturnType<typeof loadKeysConfig>['jwt'],
  command: string | undefined,
  args: string[],
): Promise<void> {
  const secret = () => {
    if (!jwt.keyEncryptionSecret) throw new UsageError('KEY_ENCRYPTION_SECRET is not set: it seals the private keys');
    return jwt.keyEncryptionSecret;
  };
  switch (command) {
    case 'list': {
      const { keys, now } = await store.load();
      const set = signingKeySetAt(keys, now, ACCESS_TTL_SECONDS);
      const verifying = new Set(set.verifying.map((key) => key.id));
      for (const key of keys) {
        const state =
          key.retiredAt !== null
            ? 'retired'
            : key.id === set.signing?.id
              ? 'signs'
              : key.signsFrom > now
                ? 'published'
                : verifying.has(key.id)
                  ? 'verifies'
                  : 'left the set';
        console.log(
          `${key.id}  ${key.algorithm.padEnd(5)}  ${state.padEnd(12)}  signs from ${key.signsFrom.toISOString()}`,
        );
      }
      return;
    }
    case 'rotate': {
      const now = args.includes('--now');
      const made = await store
        .create(jwt.algorithm, secret(), now ? 0 : jwt.publishAheadSeconds)
        .catch((error: unknown) => {
          throw new UsageError((error as Error).message);
        });
      console.log(
        `made ${jwt.algorithm} key ${made.id}: in the JWKS now, signing from ${made.signsFrom.toISOString()}`,
      );
      return;
    }
    case 'retire': {
      const [id] = args;
      if (!id) throw new UsageError(USAGE);
      const { keys, now } = await store.load();
      const retired = keys.find((key) => key.id === id && key.retiredAt === null);
      if (!retired) throw new UsageError(`no key ${id} in use`);
      const after = signingKeySetAt(
        keys.map((key) => (key.id === id ? { ...key, retiredAt: now } : key)),
        now,
        ACCESS_TTL_SECONDS,
      );
      // A key that signs can only be retired once a newer one signs: an older one signing again would undo a
      // rotation. A key published but not signing yet may go at any time.
      const signing = retired.signsFrom <= now;
      if (!after.signing || (signing && after.signing.signsFrom <= retired.signsFrom))
        throw new UsageError(`${id} is the newest key that can sign: run \`rotate --now\` first`);
      if (!(await store.retire(id))) throw new UsageError(`no key ${id} in use`);
      console.log(`retired ${id}: out of the JWKS, its tokens refused within 10 s by every API process`);
      return;
    }
    case 'ensure': {
      const made = await store.ensure(jwt.algorithm, secret());
      console.log(made ? `made the first ${jwt.algorithm} signing key ${made}` : 'a signing key is in use already');
      return;
    }
    default:
      throw new UsageError(USAGE);
  }
}

async function apiKeys(store: ApiKeysStore, command: string | undefined, args: string[]): Promise<void> {
  switch (command) {
    case 'create': {
      const name = option(args, '--name');
      const scopes = (option(args, '--scopes') ?? '').split(',').filter(Boolean);
      if (!name || name.length > 100 || scopes.length === 0) throw new UsageError(USAGE);
      const unknown = scopes.filter((scope) => !isApiKeyScope(scope));
      if (unknown.length > 0) throw new UsageError(`unknown scope ${unknown.join(', ')}: ${API_KEY_SCOPES.join(', ')}`);
      const { key, record } = await store.create(name, scopes as ApiKeyScope[], 'command');
      console.log(`made API key ${record.id} (${record.scopes.join(', ')}); shown this once:\n${key}`);
      return;
    }
    case 'list':
      for (const key of await store.list()) {
        const state = key.revoked_at
          ? `revoked ${key.revoked_at.toISOString()}`
          : `last used ${key.last_used_at?.toISOString() ?? 'never'}`;
        console.log(`${key.id}  rfk_${key.key_id}_…  ${key.name}  [${key.scopes.join(', ')}]  ${state}`);
      }
      return;
    case 'revoke': {
      const [id] = args;
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(USAGE);
      if (!(await store.revoke(id))) throw new UsageError(`no live API key ${id}`);
      console.log(`revoked ${id}`);
      return;
    }
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  exitOnStartFailure('keys')(error);
});
