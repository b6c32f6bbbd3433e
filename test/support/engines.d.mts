export function hasEngine(program: string, debianPackage: string): boolean;
export function freePort(options?: { span?: number }): Promise<number>;
export function tracked<T extends import('node:child_process').ChildProcess>(child: T): T;

export interface PgBouncer {
  port: number;
  through(url: string): string;
  output(): string;
  stop(): Promise<void>;
}
export function startPgBouncer(options?: {
  host?: string;
  port?: number;
  poolSize?: number;
  ignoreStartupParameters?: string[];
}): Promise<PgBouncer>;

export interface ClusterNode {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  slots: number[][];
}
export interface RedisCluster {
  seeds: string;
  ports: number[];
  topology(): ClusterNode[];
  masterOf(key: string): number | undefined;
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}
export function startRedisCluster(options?: { masters?: number; nodeTimeoutMs?: number }): Promise<RedisCluster>;

export interface Haproxy {
  url: string;
  output(): string;
  stop(): Promise<void>;
}
export function startHaproxy(backends: number[]): Promise<Haproxy>;
