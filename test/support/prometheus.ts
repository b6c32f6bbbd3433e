import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, tracked } from './engines.mjs';
import { until } from './wait.js';

const OPS = 'docs/ops';

export interface PrometheusServer {
  url: string;
  /** One instant query through the HTTP API: the result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The first sample's value of an instant query, or undefined when it has none. */
  value(promql: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Debian's Prometheus on a loopback port, with docs/ops/prometheus.yml and its
 * alert rules as shipped, but scraping every second the targets given per job
 * (instead of the file's defaults).
 */
export async function startPrometheus(
  targets: Record<'referral-api' | 'referral-worker', string[]>,
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'referral-prometheus-'));
  let config = readFileSync(join(OPS, 'prometheus.yml'), 'utf8')
    .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
    .replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s');
  const defaults = { 'referral-api': "['127.0.0.1:9464']", 'referral-worker': "['127.0.0.1:9465']" };
  for (const [job, list] of Object.entries(targets)) {
    const shipped = defaults[job as keyof typeof defaults];
    if (!config.includes(shipped)) throw new Error(`${OPS}/prometheus.yml no longer lists ${shipped} for ${job}`);
    config = config.replace(shipped, JSON.stringify(list));
  }
  writeFileSync(join(dir, 'prometheus.yml'), config);
  copyFileSync(join(OPS, 'alerts.yml'), join(dir, 'alerts.yml'));

  const port = await freePort();
  const child = tracked(
    spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;

  const query: PrometheusServer['query'] = async (promql) => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const answer = (await response.json()) as { status: string; error?: string; data: { result: [] } };
    if (answer.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${answer.error}`);
    return answer.data.result;
  };
  try {
    await until(
      `Prometheus ready on ${url}`,
      async () => ((await fetch(`${url}/-/ready`).catch(() => null))?.ok ? true : undefined),
      20_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
  return {
    url,
    query,
    async value(promql) {
      const [first] = await query(promql);
      return first ? Number(first.value[1]) : undefined;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
