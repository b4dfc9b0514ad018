// deploy/k8s rendered the way a user renders it (`kubectl kustomize`, base and every overlay), then
// validated against the Kubernetes API schemas (PyPI's kubernetes-validate, strict, its current
// Kubernetes minor) and checked against the config module and the workers: every required setting
// provided, images pinned, probes, resources, non-root, the worker's grace past its shutdown deadline,
// one worker Deployment per task queue with a KEDA trigger on exactly the queue it serves, the
// migration run before anything starts. KEDA's kinds have no schema there; they are checked by hand.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, productionRequired } from '../config.ts';
import { taskQueueNames, type TaskQueueName } from '../contracts/task-queues.ts';
import { projectRoot } from '../paths.ts';
import { SHUTDOWN_DEADLINE_SECONDS } from '../workers/shutdown.ts';

type Manifest = {
  apiVersion: string;
  kind: string;
  automountServiceAccountToken?: boolean;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};

const k8s = path.join(projectRoot, 'deploy/k8s');
const overlays = fs.readdirSync(path.join(k8s, 'overlays')).sort();
/** The keys of the Secret fulltime-secrets an operator creates (base/kustomization.yaml names them). */
const secretKeys = ['DATABASE_URL', 'REDIS_URL', 'API_TOKEN', 'SESSION_SECRET'];
const venvBin = path.join(projectRoot, '.venv/bin');
/** checkov's own venv (tools/checkov-requirements.txt, installed by the tests' set-up). */
const checkov = path.join(projectRoot, '.venv-checkov/bin/checkov');

function render(dir: string): { file: string; manifests: Manifest[] } {
  const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-k8s-')), 'rendered.yaml');
  fs.writeFileSync(file, out.stdout);
  return { file, manifests: parseAllDocuments(out.stdout).map((doc) => doc.toJS() as Manifest) };
}

const of = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  expect(found, `${kind}/${name}`).toBeDefined();
  return found!;
};
const podSpecs = (manifests: Manifest[]) =>
  [...of(manifests, 'Deployment'), ...of(manifests, 'Job')].map((m) => ({
    name: m.metadata.name,
    spec: m.spec.template.spec,
  }));

/** The settings a pod sees: the ConfigMap it references, plus the Secret's keys (values made up). */
function podEnvironment(manifests: Manifest[]): Record<string, string> {
  const config = of(manifests, 'ConfigMap').find((m) => m.metadata.name.startsWith('fulltime-config'))!;
  return {
    ...config.data,
    DATABASE_URL: 'postgresql://fulltime:secret@postgres.example.internal:5432/fulltime',
    REDIS_URL: 'redis://:secret@redis.example.internal:6379',
    API_TOKEN: 'a-token-of-the-operators-own',
    SESSION_SECRET: 'a-session-secret-of-the-operators-own',
  };
}

describe.each(['base', ...overlays.map((o) => `overlays/${o}`)])('deploy/k8s/%s', (dir) => {
  const { file, manifests } = render(path.join(k8s, dir));

  it('validates against the Kubernetes schemas (strict), KEDA kinds aside', () => {
    const validated = spawnSync(path.join(venvBin, 'kubernetes-validate'), ['--strict', file], { encoding: 'utf8' });
    const lines = (validated.stdout + validated.stderr).trim().split('\n');
    expect(validated.status, lines.filter((l) => !l.startsWith('INFO')).join('\n')).toBe(0);
    const warnings = lines.filter((l) => l.startsWith('WARN'));
    expect(
      warnings.every((l) =>
        /Couldn't find schema for kind (ScaledObject|TriggerAuthentication) with api version keda\.sh\/v1alpha1/.test(
          l,
        ),
      ),
      warnings.join('\n'),
    ).toBe(true);
    expect(lines.filter((l) => / passed for resource /.test(l)).length).toBe(
      manifests.filter((m) => !m.apiVersion.startsWith('keda.sh/')).length,
    );
  });

  it('gives every pod the settings production requires, from the ConfigMap and the Secret', () => {
    for (const { name, spec } of podSpecs(manifests)) {
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const sources = (container.envFrom ?? []).map(
          (s: any) => s.configMapRef?.name ?? `secret:${s.secretRef?.name}`,
        );
        expect(sources, `${name}/${container.name}`).toEqual([
          expect.stringMatching(/^fulltime-config-/),
          'secret:fulltime-secrets',
        ]);
      }
    }
    const env = podEnvironment(manifests);
    expect(productionRequired.filter((k) => !(k in env))).toEqual([]);
    const secretInGit = of(manifests, 'Secret');
    expect(secretInGit, 'no Secret is rendered from git').toEqual([]);
    // Loading reads the TLS files an overlay names: give it readable stand-ins at those paths' names.
    const { config } = loadConfig(withReadableFiles(env));
    expect(config.NODE_ENV).toBe('production');
    expect(fs.readFileSync(path.join(k8s, 'base/kustomization.yaml'), 'utf8')).toContain(`(${secretKeys.join(', ')})`);
  });

  it('pins every image, and runs every container as non-root with probes, requests and limits', () => {
    for (const { name, spec } of podSpecs(manifests)) {
      expect(spec.securityContext, name).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(
        spec.automountServiceAccountToken ?? of(manifests, 'ServiceAccount')[0]!.automountServiceAccountToken,
        name,
      ).toBe(false);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const where = `${name}/${container.name}`;
        expect(container.image, where).toMatch(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+:\d+\.\d+\.\d+$/);
        expect(container.resources.requests, where).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        expect(container.resources.limits, where).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(container.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
    for (const deployment of of(manifests, 'Deployment')) {
      const [container] = deployment.spec.template.spec.containers;
      expect(container.readinessProbe?.httpGet?.path, deployment.metadata.name).toBe('/healthz');
      expect(container.livenessProbe?.httpGet?.path, deployment.metadata.name).toBe('/healthz');
    }
  });

  it('runs one worker per task queue, stopped no sooner than its shutdown deadline, scaled by KEDA on that queue', () => {
    const env = podEnvironment(manifests);
    const { config } = loadConfig(withReadableFiles(env));
    const workers = of(manifests, 'Deployment').filter((d) => d.metadata.name.startsWith('fulltime-worker-'));
    const slot = (d: Manifest) => d.spec.template.metadata.labels['fulltime.dev/slot'];
    const stable = workers.filter((w) => slot(w) === 'stable');
    const next = workers.filter((w) => slot(w) === 'next');
    expect(stable.length + next.length, 'every worker is in a slot').toBe(workers.length);
    expect(stable.map((w) => w.metadata.name).sort()).toEqual(taskQueueNames.map((q) => `fulltime-worker-${q}`).sort());
    // A release overlay runs the new build beside the stable one, one worker per queue, taking no run
    // until an operator ramps or promotes it.
    if (next.length > 0) {
      expect(next.map((w) => w.metadata.name).sort()).toEqual(
        taskQueueNames.map((q) => `fulltime-worker-${q}-next`).sort(),
      );
      for (const worker of next) {
        const [container] = worker.spec.template.spec.containers;
        expect(container.env, worker.metadata.name).toEqual([{ name: 'WORKER_PROMOTE_ON_START', value: 'never' }]);
        expect(container.image).not.toBe(stable[0]!.spec.template.spec.containers[0].image);
      }
    }
    const selectors = new Set<string>();
    for (const worker of workers) {
      const name = worker.metadata.name;
      const pod = worker.spec.template.spec;
      const [container] = pod.containers;
      expect(container.command).toEqual(['node', 'dist/src/workers/worker.js']);
      const queues = container.args as TaskQueueName[];
      expect(
        queues.every((q) => (taskQueueNames as string[]).includes(q)),
        name,
      ).toBe(true);
      expect(pod.terminationGracePeriodSeconds, name).toBeGreaterThan(SHUTDOWN_DEADLINE_SECONDS);
      selectors.add(JSON.stringify(worker.spec.selector.matchLabels));
      // Its metrics port is the one the config binds and the scrape annotation names.
      const metricsPort = container.ports.find((p: any) => p.name === 'metrics').containerPort;
      expect(String(metricsPort)).toBe(config.WORKER_METRICS_ADDRESS.split(':').pop());
      expect(worker.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(metricsPort));

      const scaled = of(manifests, 'ScaledObject').filter((s) => s.spec.scaleTargetRef.name === name);
      expect(scaled, name).toHaveLength(1);
      const { spec } = scaled[0]!;
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
      expect(spec.triggers.map((t: any) => t.metadata.taskQueue).sort(), name).toEqual(
        queues.map((q) => config.taskQueues[q]).sort(),
      );
      for (const trigger of spec.triggers) {
        expect(trigger.type).toBe('temporal');
        expect(trigger.metadata.namespace).toBe(config.TEMPORAL_NAMESPACE);
        expect(trigger.metadata.endpointFromEnv in env, 'KEDA reads the endpoint from the pod environment').toBe(true);
        expect(trigger.metadata.queueTypes).toBe('workflow,activity');
        expect(Number(trigger.metadata.targetQueueSize)).toBeGreaterThan(0);
        if (trigger.authenticationRef) {
          const auth = named(manifests, 'TriggerAuthentication', trigger.authenticationRef.name);
          for (const ref of auth.spec.secretTargetRef)
            expect(['apiKey', 'ca', 'cert', 'key', 'keyPassword']).toContain(ref.parameter);
        }
      }
    }
    expect(selectors.size, 'each worker Deployment selects only its own pods').toBe(workers.length);
  });

  it('migrates in a Job with Prisma, and nothing starts before the schema is current', () => {
    const job = named(manifests, 'Job', 'fulltime-migrate');
    const [migrate] = job.spec.template.spec.containers;
    expect(migrate.image).toMatch(/\/fulltime-migrate:/);
    expect(migrate.command, "the migrate image's own command: prisma migrate deploy").toBeUndefined();
    for (const deployment of of(manifests, 'Deployment')) {
      const [init] = deployment.spec.template.spec.initContainers;
      expect(init.command, deployment.metadata.name).toEqual([
        'node',
        'dist/scripts/migrate.js',
        '--wait',
        '--timeout-seconds',
        '900',
      ]);
    }
  });

  it('passes checkov, an outside scanner, with only the skips its config names and explains', () => {
    if (dir === 'base') return; // no namespace of its own: only an overlay is deployed
    const scanned = spawnSync(
      checkov,
      ['-f', file, '--config-file', path.join(k8s, 'checkov.yaml'), '--compact', '--quiet', '-o', 'json'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(scanned.error, 'checkov is installed by `node scripts/setup.mjs --tests`').toBeUndefined();
    const report = JSON.parse(scanned.stdout) as {
      summary: { passed: number; failed: number; parsing_errors: number };
      results: { failed_checks?: { check_id: string; resource: string; check_name: string }[] };
    };
    const failed = (report.results.failed_checks ?? []).map((c) => `${c.check_id} ${c.resource}: ${c.check_name}`);
    expect(failed).toEqual([]);
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.passed).toBeGreaterThan(400);
  });

  it('lets pods talk only to what they need: deny by default, ingress from the controller and Prometheus', () => {
    const policies = of(manifests, 'NetworkPolicy');
    const deny = named(manifests, 'NetworkPolicy', 'fulltime-default-deny');
    expect(deny.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fulltime' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    // Every pod Fulltime runs is under the default deny.
    for (const { name, spec } of podSpecs(manifests)) {
      const pod = [...of(manifests, 'Deployment'), ...of(manifests, 'Job')].find((m) => m.metadata.name === name)!;
      expect(pod.spec.template.metadata.labels['app.kubernetes.io/name'], name).toBe('fulltime');
      expect(spec.automountServiceAccountToken, name).toBe(false);
    }
    const ingressFrom = (policy: Manifest) =>
      policy.spec.ingress.flatMap((rule: any) =>
        rule.from.map((peer: any) => [
          peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
          rule.ports.map((p: any) => p.port),
        ]),
      );
    expect(ingressFrom(named(manifests, 'NetworkPolicy', 'fulltime-api-ingress'))).toEqual([
      ['ingress-nginx', [3000]],
      ['monitoring', [9464]],
    ]);
    expect(ingressFrom(named(manifests, 'NetworkPolicy', 'fulltime-worker-ingress'))).toEqual([['monitoring', [9465]]]);
    // Egress: DNS, Temporal, PostgreSQL, Redis, OTLP for all; HTTPS (the match provider) for settlement workers only.
    const egressPorts = (policy: Manifest) =>
      policy.spec.egress.flatMap((rule: any) => rule.ports.map((p: any) => `${p.port}/${p.protocol}`)).sort();
    expect(egressPorts(named(manifests, 'NetworkPolicy', 'fulltime-egress'))).toEqual(
      ['4317/TCP', '4318/TCP', '5432/TCP', '53/TCP', '53/UDP', '6379/TCP', '7233/TCP'].sort(),
    );
    const provider = named(manifests, 'NetworkPolicy', 'fulltime-settlement-provider-egress');
    expect(egressPorts(provider)).toEqual(['443/TCP']);
    const settlement = named(manifests, 'Deployment', 'fulltime-worker-settlement');
    for (const [label, value] of Object.entries(provider.spec.podSelector.matchLabels as Record<string, string>)) {
      expect(settlement.spec.template.metadata.labels[label], label).toBe(value);
    }
    expect(policies).toHaveLength(5);
  });

  it('keeps the API available: a PodDisruptionBudget, an HPA on CPU, a Service to its pods', () => {
    const api = named(manifests, 'Deployment', 'fulltime-api');
    const labels = api.spec.template.metadata.labels;
    const pdb = named(manifests, 'PodDisruptionBudget', 'fulltime-api');
    expect(Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => labels[k] === v)).toBe(true);
    const hpa = named(manifests, 'HorizontalPodAutoscaler', 'fulltime-api');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fulltime-api' });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const service = named(manifests, 'Service', 'fulltime-api');
    expect(Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
    for (const worker of of(manifests, 'Deployment').filter((d) => d.metadata.name.startsWith('fulltime-worker-'))) {
      const budget = named(manifests, 'PodDisruptionBudget', worker.metadata.name);
      expect(budget.spec.selector.matchLabels).toEqual(worker.spec.selector.matchLabels);
    }
  });
});

describe('the overlays', () => {
  it('self-hosted: Temporal from the Helm values in the overlay, at the version the tests run', () => {
    const values = parse(fs.readFileSync(path.join(k8s, 'overlays/self-hosted/helm-values.yaml'), 'utf8'));
    const cli = spawnSync(path.join(venvBin, 'temporal'), ['--version'], { encoding: 'utf8' });
    const [, server, ui] = /Server ([\d.]+), UI ([\d.]+)/.exec(cli.stdout)!;
    expect(values.server.image).toEqual({ repository: 'temporalio/server', tag: server });
    expect(values.admintools.image).toEqual({ repository: 'temporalio/admin-tools', tag: server });
    expect(values.web.image).toEqual({ repository: 'temporalio/ui', tag: ui });
    const { persistence } = values.server.config;
    expect(persistence.visibilityStore).toBe('visibility'); // SQL visibility, no Elasticsearch
    for (const store of ['default', 'visibility']) {
      expect(persistence.datastores[store].sql.pluginName).toBe('postgres12');
      expect(persistence.datastores[store].sql.existingSecret).toBeDefined(); // no password in the values
    }
    expect(values.elasticsearch.enabled).toBe(false);
    const { manifests } = render(path.join(k8s, 'overlays/self-hosted'));
    const env = podEnvironment(manifests);
    expect(values.server.config.namespaces.namespace.map((n: { name: string }) => n.name)).toContain(
      env.TEMPORAL_NAMESPACE,
    );
    expect(env.TEMPORAL_ADDRESS).toMatch(/^temporal-frontend\.temporal\.svc\.cluster\.local:7233$/);
  });

  it('cloud: the API key from the Secret for the app and for KEDA; cloud-mtls: the certificate mounted wherever settings load', () => {
    const cloud = render(path.join(k8s, 'overlays/cloud')).manifests;
    expect(named(cloud, 'TriggerAuthentication', 'fulltime-temporal').spec.secretTargetRef).toEqual([
      { parameter: 'apiKey', name: 'fulltime-secrets', key: 'TEMPORAL_API_KEY' },
    ]);
    const withKey = loadConfig({ ...podEnvironment(cloud), TEMPORAL_API_KEY: 'a-cloud-api-key' }).config;
    expect(withKey.temporalConnection).toMatchObject({ tls: true, apiKey: 'a-cloud-api-key' });

    const mtls = render(path.join(k8s, 'overlays/cloud-mtls')).manifests;
    const env = podEnvironment(mtls);
    const certDir = path.dirname(env.TEMPORAL_TLS_CLIENT_CERT_PATH!);
    expect(path.dirname(env.TEMPORAL_TLS_CLIENT_KEY_PATH!)).toBe(certDir);
    for (const { name, spec } of podSpecs(mtls)) {
      const volume = spec.volumes.find((v: any) => v.secret?.secretName === 'temporal-client-tls');
      expect(volume, name).toBeDefined();
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(
          (container.volumeMounts ?? []).some((m: any) => m.name === volume.name && m.mountPath === certDir),
          `${name}/${container.name}`,
        ).toBe(true);
      }
    }
    const auth = named(mtls, 'TriggerAuthentication', 'fulltime-temporal').spec.secretTargetRef.map(
      (r: any) => r.parameter,
    );
    expect(auth.sort()).toEqual(['cert', 'key']);
  });
});

/** The settings with any TLS file paths pointed at readable scratch files (loading reads them). */
function withReadableFiles(env: Record<string, string>): Record<string, string> {
  const paths = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'].filter((k) => env[k]);
  if (paths.length === 0) return env;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-tls-'));
  return {
    ...env,
    ...Object.fromEntries(paths.map((k) => [k, (fs.writeFileSync(path.join(dir, k), 'pem'), path.join(dir, k))])),
  };
}
