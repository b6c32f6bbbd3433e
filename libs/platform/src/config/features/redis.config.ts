import { IsOptional, Matches } from 'class-validator';
import { type FeatureContext, GROUPS, type HelpOf, splitList } from './shared.js';

/** Redis for the queue and the per-IP limits: one server, a cluster, or none (PostgreSQL then). */
export class RedisSettings {
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** A Redis Cluster instead of REDIS_URL: `host:port,…`, or `redis[s]://[user:password@]host:port,…`. */
  @IsOptional()
  @Matches(/^(rediss?:\/\/\S+|[^\s,:]+:\d+)(\s*,\s*(rediss?:\/\/\S+|[^\s,:]+:\d+))*$/, {
    message: 'REDIS_CLUSTER_NODES must be host:port or redis://host:port entries, comma-separated',
  })
  REDIS_CLUSTER_NODES?: string;

  @Matches(/^[\w.-]{1,64}$/)
  REDIS_KEY_PREFIX = 'referral';
}

const group = GROUPS.redis;
export const REDIS_HELP: HelpOf<RedisSettings> = {
  REDIS_URL: {
    group,
    meaning: 'Redis for the queue and the per-IP limits (redis:// or rediss://)',
    default: 'unset: both run on PostgreSQL',
  },
  REDIS_CLUSTER_NODES: {
    group,
    meaning: 'a Redis Cluster instead of REDIS_URL: host:port,… or redis[s]://[user:password@]host:port,…',
  },
  REDIS_KEY_PREFIX: { group, meaning: 'prefix of every Redis key, and of the queue schema on PostgreSQL' },
};

/** A Redis Cluster's seed nodes, and what every connection to its nodes needs (credentials, TLS). */
export interface RedisClusterConfig {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Redis, when REDIS_URL or REDIS_CLUSTER_NODES is set; without either the
 * queue and the per-IP limits live in PostgreSQL.
 */
export interface RedisConfig {
  url: string | null;
  cluster: RedisClusterConfig | null;
  keyPrefix: string;
}

export function redisConfig(v: RedisSettings, { problem }: FeatureContext): RedisConfig {
  if (v.REDIS_URL && v.REDIS_CLUSTER_NODES) problem('REDIS_CLUSTER_NODES', 'is instead of REDIS_URL: set one of them');
  return {
    url: v.REDIS_URL ?? null,
    cluster: v.REDIS_CLUSTER_NODES ? parseClusterNodes(v.REDIS_CLUSTER_NODES) : null,
    keyPrefix: v.REDIS_KEY_PREFIX,
  };
}

/** `host:port` or `redis[s]://[user:password@]host:port` entries; credentials and TLS come from the first that has them. */
function parseClusterNodes(value: string): RedisClusterConfig {
  const cluster: RedisClusterConfig = { nodes: [], tls: false };
  for (const entry of splitList(value)) {
    const url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
    cluster.nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) });
    if (url.protocol === 'rediss:') cluster.tls = true;
    if (url.username && cluster.username === undefined) cluster.username = decodeURIComponent(url.username);
    if (url.password && cluster.password === undefined) cluster.password = decodeURIComponent(url.password);
  }
  return cluster;
}
