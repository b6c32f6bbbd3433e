export interface EmbeddedPostgres {
  url: string;
  dir: string;
  port: number;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {}

export function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  throwaway?: boolean;
}): Promise<EmbeddedPostgres>;
