export interface EmbeddedPostgres {
  url: string;
  dir: string;
  port: number;
  stop(): Promise<void>;
}

export function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  throwaway?: boolean;
}): Promise<EmbeddedPostgres>;

export function embeddedPostgresUrl(dataDir: string, database?: string): string | null;

export function ensureDatabase(adminUrl: string, name: string): Promise<void>;
