import './config/node-version.js';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, isApiKeyScope, isUuid, type ApiKeyScope } from '@app/domain';
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

class UsageError extends Error {}

/** The words after `keys` or `api-keys`: the command, its arguments, and the options any command takes. */
interface Invocation {
  command: string | undefined;
  args: string[];
  now: boolean;
  name: string | undefined;
  scopes: string[];
}

function invocationOf(argv: string[]): Invocation {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { now: { type: 'boolean', default: false }, name: { type: 'string' }, scopes: { type: 'string' } },
    });
    const [command, ...args] = positionals;
    return {
      command,
      args,
      now: values.now,
      name: values.name,
      scopes: (values.scopes ?? '').split(',').filter(Boolean),
    };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

/**
 * `npm run keys` and `npm run api-keys` (the image: `keys …`, `api-keys …`):
 * the token signing keys and the host backend's API keys, from a shell, with
 * the database's settings and KEY_ENCRYPTION_SECRET alone.
 */
async function main(argv: string[]): Promise<void> {
  const [group, ...rest] = argv;
  if (group !== 'keys' && group !== 'api-keys') throw new UsageError(USAGE);
  const invocation = invocationOf(rest);
  const config = await loadSettings(loadKeysConfig);
  const dataSource = new DataSource({
    ...dataSourceOptions(config, `referral-${group}`, { direct: true }),
    extra: { max: 1 },
  });
  await dataSource.initialize();
  try {
    if (group === 'keys') await signingKeys(new SigningKeysStore(dataSource), config.jwt, invocation);
    else await apiKeys(new ApiKeysStore(dataSource), invocation);
  } finally {
    await dataSource.destroy();
  }
}

async function signingKeys(
  store: SigningKeysStore,
  jwt: ReturnType<typeof loadKeysConfig>['jwt'],
  { command, args, now: signNow }: Invocation,
): Promise<void> {
  const secret = () => {
    if (!jwt.keyEncryptionSecret) throw new UsageError('KEY_ENCRYPTION_SECRET is not set: it seals the private keys');
    return jwt.keyEncryptionSecret;
  };
  switch (command) {
    case 'list': {
      const { keys, now } = await store.load();
      const set = signingKeySetAt(keys, now, jwt.accessTtlSeconds);
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
      const made = await store
        .create(jwt.algorithm, secret(), signNow ? 0 : jwt.publishAheadSeconds)
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
        jwt.accessTtlSeconds,
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

async function apiKeys(store: ApiKeysStore, { command, args, name, scopes }: Invocation): Promise<void> {
  switch (command) {
    case 'create': {
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
      if (!isUuid(id)) throw new UsageError(USAGE);
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
