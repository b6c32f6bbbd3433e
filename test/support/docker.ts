import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { hasEngine, tracked } from './engines.mjs';

const run = promisify(execFile);

/** A Docker engine and the client that builds with BuildKit on it. */
export interface DockerEngine {
  /** Runs the client with these arguments; answers its standard output, trimmed. */
  docker(args: string[], options?: { timeoutMs?: number }): Promise<string>;
  /** Pipes a tar stream of `folder` into `docker import` under `tag`. */
  importFolder(folder: string, tag: string, changes?: string[]): Promise<void>;
  /** Whether the engine was started by the test (and so is stopped, its data removed, by `stop`). */
  ours: boolean;
  stop(): Promise<void>;
}

/**
 * The client: one with buildx (`docker build` is BuildKit there), else Debian's
 * docker.io client with DOCKER_BUILDKIT=1 (BuildKit built in, no plugin). The
 * Dockerfile's build secret needs BuildKit.
 */
async function pickClient(): Promise<{ cli: string; env: Record<string, string> }> {
  try {
    await run('docker', ['buildx', 'version']);
    return { cli: 'docker', env: {} };
  } catch {
    if (existsSync('/usr/bin/docker')) return { cli: '/usr/bin/docker', env: { DOCKER_BUILDKIT: '1' } };
    return { cli: 'docker', env: { DOCKER_BUILDKIT: '1' } };
  }
}

/**
 * The machine's Docker engine when one answers; otherwise Debian's `dockerd`
 * started here as root with the `vfs` storage driver (no kernel overlay needed),
 * no bridge (containers use the host's network), and its data in a folder of
 * its own that `stop` removes: vfs copies every layer whole, gigabytes a build.
 */
export async function startDockerEngine(): Promise<DockerEngine | null> {
  const { cli, env: clientEnv } = await pickClient();
  const docker =
    (env: NodeJS.ProcessEnv) =>
    async (args: string[], options: { timeoutMs?: number } = {}) => {
      const { stdout } = await run(cli, args, {
        env: { ...env, ...clientEnv },
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
      });
      return stdout.trim();
    };
  const importer =
    (env: NodeJS.ProcessEnv) =>
    async (folder: string, tag: string, changes: string[] = []) => {
      const tar = spawn('tar', ['-C', folder, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const importing = spawn(cli, ['import', ...changes.flatMap((change) => ['-c', change]), '-', tag], {
        env: { ...env, ...clientEnv },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      tar.stdout.pipe(importing.stdin);
      let errors = '';
      importing.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => importing.once('exit', resolve));
      if (code !== 0) throw new Error(`docker import ${tag} failed: ${errors}`);
    };

  try {
    await docker(process.env)(['info'], { timeoutMs: 10_000 });
    return { docker: docker(process.env), importFolder: importer(process.env), ours: false, stop: async () => {} };
  } catch {
    // no engine answers: start one
  }
  if (!hasEngine('dockerd', 'docker.io')) return null;
  // Short: the engine's sockets live under it, and a socket's path has a 108-byte limit.
  const folder = mkdtempSync('/tmp/rdk-');
  const socket = `unix://${folder}/docker.sock`;
  const env = { ...process.env, DOCKER_HOST: socket };
  let log = '';
  const engine: ChildProcess = tracked(
    spawn(
      'dockerd',
      [
        '--storage-driver=vfs',
        `--data-root=${folder}/data`,
        `--exec-root=${folder}/exec`,
        `--pidfile=${folder}/docker.pid`,
        `--host=${socket}`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  engine.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  engine.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => engine.once('exit', resolve));
  const stop = async () => {
    if (engine.exitCode === null && engine.signalCode === null) engine.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (engine.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
    // The engine leaves its network namespace mounted under its folder: unmount what is left, deepest first.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((path) => path?.startsWith(`${folder}/`))
      .sort()
      .reverse();
    for (const path of mounts) await run('umount', ['-l', path]).catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    try {
      await docker(env)(['info'], { timeoutMs: 5_000 });
      return { docker: docker(env), importFolder: importer(env), ours: true, stop };
    } catch {
      if (engine.exitCode !== null) break;
      await sleep(100);
    }
  }
  await stop();
  throw new Error(`dockerd did not start:\n${log}`);
}

export interface BaseImages {
  node: string;
  runtime: string;
  /** Whether they were assembled here (and so are removed with the image). */
  assembled: boolean;
}

/**
 * The Dockerfile's two base images. The official `node:24-bookworm-slim` and
 * `debian:bookworm-slim` when the engine has them; otherwise (no registry
 * reachable) the same two assembled from Debian's packages: `debootstrap
 * --variant=minbase bookworm`, trimmed as Debian's slim images are (no
 * documentation, manuals or locales), and for the build stage the Node.js
 * binary running this test (the pinned one) with the machine's npm, where
 * the official image has them, and its `node` user (uid 1000).
 */
export async function baseImages(engine: DockerEngine): Promise<BaseImages | null> {
  const official = { node: 'node:24-bookworm-slim', runtime: 'debian:bookworm-slim', assembled: false };
  const present = await Promise.all(
    [official.node, official.runtime].map((image) =>
      engine.docker(['image', 'inspect', image]).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) return official;
  if (!hasEngine('debootstrap', 'debootstrap')) return null;
  const folder = mkdtempSync('/tmp/rootfs-');
  try {
    const debian = join(folder, 'debian');
    const mirror = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    await run('debootstrap', ['--variant=minbase', 'bookworm', debian, mirror], {
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    await run('sh', [
      '-c',
      `cd ${debian} && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/locale/* usr/share/info/*`,
    ]);
    const assembled = { node: 'referral-test/node:24-bookworm-slim', runtime: 'referral-test/debian:bookworm-slim' };
    await engine.importFolder(debian, assembled.runtime, ['CMD ["bash"]']);
    // The npm the machine runs: its package folder, from the `npm` on PATH.
    const { stdout } = await run('sh', ['-c', 'command -v npm']);
    const npmPackage = dirname(dirname(realpathSync(stdout.trim())));
    await run('sh', [
      '-c',
      [
        `install -m 755 ${process.execPath} ${debian}/usr/local/bin/node`,
        `mkdir -p ${debian}/usr/local/lib/node_modules`,
        `cp -a ${npmPackage} ${debian}/usr/local/lib/node_modules/npm`,
        `ln -s ../lib/node_modules/npm/bin/npm-cli.js ${debian}/usr/local/bin/npm`,
        `ln -s ../lib/node_modules/npm/bin/npx-cli.js ${debian}/usr/local/bin/npx`,
        // The official image's `node` user.
        `echo 'node:x:1000:1000::/home/node:/bin/sh' >> ${debian}/etc/passwd`,
        `echo 'node:x:1000:' >> ${debian}/etc/group`,
        `install -d -o 1000 -g 1000 ${debian}/home/node`,
      ].join(' && '),
    ]);
    await engine.importFolder(debian, assembled.node, ['CMD ["node"]']);
    return { ...assembled, assembled: true };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A container's health state as the engine reports it (`starting`, `healthy`, `unhealthy`), or its absence. */
export async function healthOf(engine: DockerEngine, container: string): Promise<string> {
  return engine.docker([
    'inspect',
    '--format',
    '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
    container,
  ]);
}

/** Waits until every container is `healthy`; fails naming the ones that are not, with their last check's output. */
export async function waitUntilHealthy(engine: DockerEngine, containers: string[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let states: string[] = [];
  while (Date.now() < deadline) {
    states = await Promise.all(containers.map((container) => healthOf(engine, container)));
    if (states.every((state) => state === 'healthy')) return;
    await sleep(500);
  }
  const reports = await Promise.all(
    containers.map(
      async (container) =>
        `${container}: ${await engine.docker(['inspect', '--format', '{{json .State.Health}}', container])}\n${await engine.docker(['logs', '--tail', '30', container]).catch(() => '')}`,
    ),
  );
  throw new Error(`not healthy within ${timeoutMs} ms: ${states.join(', ')}\n${reports.join('\n')}`);
}
