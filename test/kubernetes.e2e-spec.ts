import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, parseAllDocuments } from 'yaml';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ConfigError, EnvironmentVariables, loadConfig, SETTING_NAMES } from '@app/platform';
import { API_ENTRY, builtEnv, freePort, startBuilt, WORKER_ENTRY } from './support/processes.js';

/**
 * deploy/kubernetes, checked without a cluster: each manifest against the
 * Kubernetes API schema of its kind (kubernetes-models), the settings it passes
 * against the settings schema, and its probes and ports against the built
 * processes. Nothing here applies, schedules or enforces anything.
 */
const FOLDER = 'deploy/kubernetes';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
}
interface Kustomization {
  apiVersion: string;
  kind: string;
  resources: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

/** Validates a plain object with a kubernetes-models class: throws a ValidationError naming each problem. */
const model =
  <D, M extends { validate(): void }>(Model: new (data: D) => M) =>
  (document: unknown): void =>
    new Model(document as D).validate();

/** The schema of each `apiVersion/kind` the manifests may hold; any other kind fails the test. */
const MODELS: Record<string, (document: unknown) => void> = {
  'v1/ConfigMap': model(ConfigMap),
  'v1/Secret': model(Secret),
  'v1/Service': model(Service),
  'apps/v1/Deployment': model(Deployment),
  'batch/v1/Job': model(Job),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
};

function validate(document: Manifest): void {
  const check = MODELS[`${document.apiVersion}/${document.kind}`];
  if (!check) throw new Error(`no schema for ${document.apiVersion}/${document.kind} (${document.metadata?.name})`);
  check(document);
}

const kustomization = parse(readFileSync(join(FOLDER, 'kustomization.yaml'), 'utf8')) as Kustomization;

/** Every document of every file kustomization.yaml lists, in its order, with the file it came from. */
const documents: Array<{ file: string; document: Manifest }> = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(FOLDER, file), 'utf8')).map((parsed) => {
    if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
    return { file, document: parsed.toJS() as Manifest };
  }),
);

function ofKind<T>(kind: string): T[] {
  return documents.filter(({ document }) => document.kind === kind).map(({ document }) => document as T);
}
function named<T extends { metadata?: { name?: string } }>(list: T[], name: string): T {
  const found = list.find((item) => item.metadata?.name === name);
  if (!found) throw new Error(`${FOLDER} has no ${name}`);
  return found;
}

const configMaps = ofKind<IConfigMap>('ConfigMap');
const secrets = ofKind<ISecret>('Secret');
const deployments = ofKind<IDeployment>('Deployment');
const jobs = ofKind<IJob>('Job');
const [settings] = configMaps;
const [secret] = secrets;

/** Each workload's name and pod spec: the Deployments and the Job. */
const workloads: Array<{ name: string; pod: IPodSpec; labels: Record<string, string> }> = [...deployments, ...jobs].map(
  (workload) => ({
    name: workload.metadata!.name!,
    pod: workload.spec!.template.spec!,
    labels: workload.spec!.template.metadata?.labels ?? {},
  }),
);

/** The environment a container gets from its envFrom (the ConfigMap, the Secret) and its env, the later winning. */
function environmentOf(container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, named(configMaps, source.configMapRef.name!).data);
    if (source.secretRef) Object.assign(env, named(secrets, source.secretRef.name!).stringData);
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  return env;
}

/** The commands of the image's entrypoint: the arms of docker/entrypoint.sh's `case`, but `*`. */
const ENTRYPOINT_COMMANDS = [...readFileSync('docker/entrypoint.sh', 'utf8').matchAll(/^\s*([a-z][\w-]*)\)\s/gm)].map(
  ([, command]) => command,
);

/** A process's default METRICS_PORT, as its module sets it. */
function defaultMetricsPort(file: string, constant: string): number {
  const found = new RegExp(`const ${constant} = (\\d+);`).exec(readFileSync(file, 'utf8'));
  if (!found) throw new Error(`${file} no longer sets ${constant}`);
  return Number(found[1]);
}
const PROCESSES = {
  api: {
    entry: API_ENTRY,
    defaults: {
      PORT: Number(new EnvironmentVariables().PORT),
      METRICS_PORT: defaultMetricsPort('apps/api/src/app.module.ts', 'API_METRICS_PORT'),
    },
  },
  worker: {
    entry: WORKER_ENTRY,
    defaults: {
      METRICS_PORT: defaultMetricsPort('apps/worker/src/worker.module.ts', 'WORKER_METRICS_PORT'),
    },
  },
} as const;

/** The ports a process listens on, by setting, as the manifests' environment sets them (or its defaults). */
function listeningPorts(command: keyof typeof PROCESSES, env: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(PROCESSES[command].defaults).map(([setting, fallback]) => [
      setting,
      env[setting] ? Number(env[setting]) : fallback,
    ]),
  );
}

function probesOf(container: IContainer): Array<[string, IProbe]> {
  return (['startupProbe', 'livenessProbe', 'readinessProbe'] as const)
    .filter((kind) => container[kind])
    .map((kind) => [kind, container[kind]!]);
}

/** GETs a URL until it answers 200 or `ms` have passed: the last status, or why there was none. */
async function statusWithin(url: string, ms: number): Promise<number | string> {
  const deadline = Date.now() + ms;
  let last: number | string = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      await response.arrayBuffer();
      last = response.status;
      if (last === 200) return last;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  return last;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return (
    Object.keys(selector ?? {}).length > 0 && Object.entries(selector!).every(([key, value]) => labels[key] === value)
  );
}

/** Secrets of the right shape, for the checks of the settings in production. */
const FILLED_SECRET = {
  DATABASE_URL: 'postgres://referral:password@postgres.example.internal:5432/referral',
  REDIS_URL: 'redis://redis.example.internal:6379',
  KEY_ENCRYPTION_SECRET: 'Zq3vY8rT1mK6wP0sL9dF2hJ5nB7xC4gA+e/Ru0iO3kWy',
  OTP_SECRET: 'p7Kc2Wm9Qx4Lr1Tz8Nv5Bd3Hs6Fy0Ja+g/Ue2Oi9Ck4R',
  SMS_WEBHOOK_URL: 'https://sms.example.com/send',
  SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
};

describe('the Kubernetes manifests in deploy/kubernetes', () => {
  it('lists every manifest of the folder in kustomization.yaml, with the image to set the tag of', () => {
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    const manifests = readdirSync(FOLDER).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
    expect(kustomization.images).toEqual([{ name: 'referral-service', newTag: 'latest' }]);
    // Kustomize sets the tag of the containers whose image it names: every one.
    const images = workloads.flatMap(({ pod }) => pod.containers.map((container) => container.image));
    expect(new Set(images)).toEqual(new Set(['referral-service:latest']));
  });

  it('holds documents each of which the Kubernetes API schema of its kind accepts', () => {
    expect(documents.length).toBeGreaterThanOrEqual(kustomization.resources.length);
    for (const { file, document } of documents) {
      try {
        validate(document);
      } catch (error) {
        throw new Error(`${file}, ${document.kind} ${document.metadata?.name}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    expect(documents.map(({ document }) => `${document.kind}/${document.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/referral-settings',
        'Deployment/referral-api',
        'Deployment/referral-worker',
        'HorizontalPodAutoscaler/referral-api',
        'Job/referral-migrate',
        'NetworkPolicy/referral-api',
        'NetworkPolicy/referral-worker',
        'PodDisruptionBudget/referral-api',
        'PodDisruptionBudget/referral-worker',
        'Secret/referral-secrets',
        'Service/referral-api',
      ].sort(),
    );
  });

  it('is checked by a validator that refuses a wrong type, a missing name and a kind it has no schema for', () => {
    const api = named(deployments, 'referral-api');
    const wrongType = structuredClone(api) as unknown as { spec: { replicas: unknown } };
    wrongType.spec.replicas = 'two';
    expect(() => validate(wrongType as unknown as Manifest)).toThrow(/replicas must be integer/);
    const nameless = structuredClone(api);
    delete (nameless.spec!.template.spec!.containers[0] as Partial<IContainer>).name;
    expect(() => validate(nameless as unknown as Manifest)).toThrow(/must have required property name/);
    expect(() => validate({ ...(api as unknown as Manifest), kind: 'DeploymentConfig' })).toThrow(/no schema/);
    expect(() => validate(api as unknown as Manifest)).not.toThrow();
  });

  it('wires the Service, the budgets, the autoscaler and the settings to what they name', () => {
    for (const deployment of deployments) {
      expect(selects(deployment.spec!.selector.matchLabels, deployment.spec!.template.metadata!.labels!)).toBe(true);
    }
    const podLabels = (name: string) => named(deployments, name).spec!.template.metadata!.labels!;
    const selected = (selector: Record<string, string> | undefined) =>
      deployments
        .filter((deployment) => selects(selector, deployment.spec!.template.metadata!.labels!))
        .map((deployment) => deployment.metadata!.name);

    const service = named(ofKind<IService>('Service'), 'referral-api');
    expect(selected(service.spec!.selector)).toEqual(['referral-api']);
    const apiPorts = named(deployments, 'referral-api').spec!.template.spec!.containers[0].ports ?? [];
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(apiPorts.map((port) => port.name)).toContain('http');

    const budgets = ofKind<IPodDisruptionBudget>('PodDisruptionBudget');
    expect(budgets.map((budget) => [selected(budget.spec!.selector!.matchLabels), budget.spec])).toEqual([
      [['referral-api'], expect.objectContaining({ minAvailable: 1 })],
      [['referral-worker'], expect.objectContaining({ maxUnavailable: 1 })],
    ]);

    const [autoscaler] = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(autoscaler.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'referral-api' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    });
    // Utilization is a share of the request: without one the autoscaler has nothing to divide by.
    expect(named(deployments, 'referral-api').spec!.template.spec!.containers[0].resources?.requests?.cpu).toBe('100m');
    expect(podLabels('referral-api')).toMatchObject({ 'app.kubernetes.io/name': 'referral-service' });

    // envFrom names the ConfigMap and the Secret of the folder (environmentOf throws on another name).
    for (const { pod } of workloads) for (const container of pod.containers) environmentOf(container);
    expect(named(jobs, 'referral-migrate').spec!.template.spec!.containers[0].envFrom).toEqual([
      { secretRef: { name: secret.metadata!.name } },
    ]);
  });

  it('passes only settings the processes know', () => {
    const passed = [
      ...Object.keys(settings.data ?? {}),
      ...Object.keys(secret.stringData ?? {}),
      ...Object.keys(secret.data ?? {}),
      ...workloads.flatMap(({ pod }) =>
        pod.containers.flatMap((container) => (container.env ?? []).map((v) => v.name)),
      ),
    ];
    expect(passed.length).toBeGreaterThan(10);
    const known = new Set<string>(SETTING_NAMES);
    expect(passed.filter((name) => !known.has(name))).toEqual([]);
  });

  it('holds settings both processes accept in production once the Secret is filled, and refuses the empty one', () => {
    const api = named(deployments, 'referral-api').spec!.template.spec!.containers[0];
    const worker = named(deployments, 'referral-worker').spec!.template.spec!.containers[0];
    for (const [role, container] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      const env = environmentOf(container);
      const config = loadConfig({ ...env, ...FILLED_SECRET }, role);
      expect(config.isProduction).toBe(true);
      expect(config.sms.transports).toEqual(['webhook']);

      // As shipped, the Secret's values are empty: the process refuses to start, naming each.
      const attempt = () => loadConfig(env, role);
      expect(attempt).toThrow(ConfigError);
      for (const required of ['OTP_SECRET', 'SMS_WEBHOOK_URL', ...(role === 'api' ? ['KEY_ENCRYPTION_SECRET'] : [])]) {
        expect(attempt).toThrow(new RegExp(required));
      }
    }
    expect(environmentOf(named(jobs, 'referral-migrate').spec!.template.spec!.containers[0])).toMatchObject({
      NODE_ENV: 'production',
      DATABASE_URL: '',
    });
  });

  it("runs each workload with one of the image's commands, the one its component label names", () => {
    expect(ENTRYPOINT_COMMANDS).toEqual(expect.arrayContaining(['api', 'worker', 'migrate']));
    const commands = workloads.map(({ name, pod, labels }) => {
      const [container] = pod.containers;
      // `command` would replace the image's entrypoint, and its NODE_OPTIONS with it.
      expect(container.command).toBeUndefined();
      return [name, container.args?.[0], labels['app.kubernetes.io/component']];
    });
    expect(commands).toEqual([
      ['referral-api', 'api', 'api'],
      ['referral-worker', 'worker', 'worker'],
      ['referral-migrate', 'migrate', 'migrate'],
    ]);
    for (const [, command] of commands) expect(ENTRYPOINT_COMMANDS).toContain(command);
  });

  it.each([
    ['referral-api', 'api', { http: 'PORT', metrics: 'METRICS_PORT' }],
    ['referral-worker', 'worker', { metrics: 'METRICS_PORT' }],
  ] as const)(
    "points %s's probes at ports the built process listens on, and each answers 200",
    async (name, command, portSettings) => {
      const [container] = named(deployments, name).spec!.template.spec!.containers;
      const env = environmentOf(container);
      // The kubelet and the Service reach the pod's address, not its loopback.
      expect(env).toMatchObject({ HOST: '0.0.0.0', METRICS_HOST: '0.0.0.0' });

      // Each named containerPort is the port of the setting the process listens on, as the manifests set it.
      const listening = listeningPorts(command, env);
      const settingOfPort = Object.fromEntries(
        (container.ports ?? []).map((port) => [
          port.name!,
          Object.keys(listening).find((setting) => listening[setting] === port.containerPort),
        ]),
      );
      expect(settingOfPort).toEqual(portSettings);
      if (command === 'api') expect(listening).toEqual({ PORT: 3000, METRICS_PORT: 9464 });
      else expect(listening).toEqual({ METRICS_PORT: 9465 });

      const probes = probesOf(container);
      expect(probes.map(([kind]) => kind)).toEqual(['startupProbe', 'livenessProbe', 'readinessProbe']);
      expect(Object.fromEntries(probes.map(([kind, probe]) => [kind, probe.httpGet?.path]))).toEqual({
        startupProbe: '/health/live',
        livenessProbe: '/health/live',
        readinessProbe: '/health/ready',
      });

      // The built process, on free ports instead of the manifests' ones.
      const local: Record<string, number> = { PORT: await freePort(), METRICS_PORT: await freePort() };
      const process = startBuilt(
        PROCESSES[command].entry,
        builtEnv({ PORT: String(local.PORT), METRICS_PORT: String(local.METRICS_PORT) }),
      );
      try {
        const answers = await Promise.all(
          probes.map(async ([kind, probe]) => {
            const port = probe.httpGet!.port;
            const setting = typeof port === 'string' ? settingOfPort[port] : undefined;
            const url = setting && `http://127.0.0.1:${local[setting]}${probe.httpGet!.path}`;
            return [`${kind} GET ${probe.httpGet!.path} on ${port}`, url ? await statusWithin(url, 20_000) : 'no port'];
          }),
        );
        try {
          expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(answers.map(([probe]) => [probe, 200])));
        } catch (error) {
          (error as Error).message += `\n\nwhat ${name}'s process printed:\n${process.output().slice(-3000)}`;
          throw error;
        }
      } finally {
        await process.stop();
      }
    },
  );

  it('gives the API time to leave the endpoints before it closes, and both processes time to close', () => {
    const api = named(deployments, 'referral-api').spec!.template.spec!;
    const worker = named(deployments, 'referral-worker').spec!.template.spec!;
    const readiness = api.containers[0].readinessProbe!;
    expect(readiness).toMatchObject({ periodSeconds: 5, failureThreshold: 2 });
    const delay = Number(environmentOf(api.containers[0]).SHUTDOWN_DELAY_SECONDS);
    // From SIGTERM, readiness fails for `delay` seconds while the API serves: the kubelet needs
    // periodSeconds x failureThreshold of them to take the pod out of the Service.
    expect(delay).toBeGreaterThanOrEqual(readiness.periodSeconds! * readiness.failureThreshold!);
    expect(api.terminationGracePeriodSeconds).toBe(40);
    expect(api.terminationGracePeriodSeconds! - delay).toBeGreaterThanOrEqual(15);
    // The worker finishes the deliveries in hand: each may wait out the gateway's timeout.
    const gatewayTimeout = loadConfig({ ...environmentOf(worker.containers[0]), ...FILLED_SECRET }, 'worker').sms
      .gatewayTimeoutMs;
    expect(worker.terminationGracePeriodSeconds).toBe(40);
    expect(worker.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(2 * gatewayTimeout);
  });

  it("opens the API's port to anyone and the metrics ports to the cluster's pods only", () => {
    const policies = ofKind<INetworkPolicy>('NetworkPolicy');
    const openings = deployments.map((deployment) => {
      const labels = deployment.spec!.template.metadata!.labels!;
      const rules = policies
        .filter((policy) => selects(policy.spec!.podSelector.matchLabels, labels))
        .flatMap((policy) => policy.spec!.ingress ?? []);
      const who = (from: unknown) =>
        from === undefined ? 'anyone' : JSON.stringify(from) === '[{"namespaceSelector":{}}]' ? 'cluster' : from;
      return [
        deployment.metadata!.name,
        Object.fromEntries(rules.flatMap((rule) => (rule.ports ?? []).map((port) => [port.port, who(rule.from)]))),
      ];
    });
    // What each declared port should be open to: http to anyone, metrics to the cluster's pods.
    const declared = deployments.map((deployment) => [
      deployment.metadata!.name,
      Object.fromEntries(
        (deployment.spec!.template.spec!.containers[0].ports ?? []).map((port) => [
          port.containerPort,
          port.name === 'http' ? 'anyone' : 'cluster',
        ]),
      ),
    ]);
    expect(openings).toEqual(declared);
    expect(openings).toEqual([
      ['referral-api', { 3000: 'anyone', 9464: 'cluster' }],
      ['referral-worker', { 9465: 'cluster' }],
    ]);
  });

  it('runs every pod non-root, with a read-only root, no privileges, no API token and a writable /tmp', () => {
    for (const { name, pod } of workloads) {
      expect([name, pod.automountServiceAccountToken]).toEqual([name, false]);
      expect([name, pod.securityContext]).toEqual([
        name,
        { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      ]);
      for (const container of pod.containers) {
        expect([name, container.securityContext]).toEqual([
          name,
          { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        ]);
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        const volume = pod.volumes?.find((candidate) => candidate.name === tmp?.name);
        expect([name, volume?.emptyDir]).toEqual([name, expect.any(Object)]);
        expect(container.resources).toEqual({
          requests: { cpu: '100m', memory: '192Mi' },
          limits: { memory: '384Mi' },
        });
      }
    }
  });

  it("runs as the image's own user: the Dockerfile's last USER is 1000:1000, by number", () => {
    const users = [...readFileSync('Dockerfile', 'utf8').matchAll(/^USER\s+(\S+)\s*$/gm)].map(([, user]) => user);
    const [uid, gid] = (users.at(-1) ?? '').split(':');
    // By number: the kubelet can tell a numeric user is not root before it starts the container.
    expect({ uid, gid: gid ?? uid }).toEqual({ uid: '1000', gid: '1000' });
    for (const { pod } of workloads) {
      expect(pod.securityContext).toMatchObject({ runAsUser: Number(uid), runAsGroup: Number(gid ?? uid) });
    }
  });
});
