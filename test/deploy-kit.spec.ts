import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadConfig } from '../src/config/aol-config';
import { AolMetrics } from '../src/metrics/aol-metrics';
import { PROJECT_ROOT } from './support/processes';

const DEPLOY = join(PROJECT_ROOT, 'deploy');
const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const DOCKERFILE = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');

/** README's configuration table, the variables the service reads: name → default. */
const CONFIGURATION = new Map(
  [
    ...README.slice(README.indexOf('## Configuration'), README.indexOf('## How it runs')).matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]*) \|/gm),
  ].map(([, name, defaultValue]) => [name, defaultValue.trim()]),
);
/** The longest a clean shutdown may take with the default action timeout (src/main.ts: + 5 s). */
const SHUTDOWN_SECONDS = Number(/^`(\d+)`$/.exec(CONFIGURATION.get('AOL_ACTION_TIMEOUT_SECONDS')!)![1]) + 5;
const IMAGE_PORT = Number(/^\s+PORT=(\d+)/m.exec(DOCKERFILE)![1]);
const IMAGE_ARTIFACT_DIR = /^\s+AOL_ARTIFACT_DIR=(\S+)/m.exec(DOCKERFILE)![1];

/** Schemas of the Kubernetes API (the npm package kubernetes-models), by apiVersion and kind. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

const manifests = readdirSync(join(DEPLOY, 'kubernetes'))
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8')).map((document) => {
      expect(document.errors).toEqual([]);
      return { file, object: document.toJS() as Record<string, any> };
    }),
  );

function manifest(kind: string): Record<string, any> {
  const found = manifests.filter(({ object }) => object.kind === kind);
  expect(found).toHaveLength(1);
  return found[0].object;
}

describe('the Kubernetes manifests', () => {
  it.each(manifests.map(({ file, object }) => [file, object.kind, object]))(
    '%s: the %s is valid against the Kubernetes API schema',
    (_file, _kind, object) => {
      const Model = MODELS[`${object.apiVersion} ${object.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model(object).validate()).not.toThrow();
    },
  );

  const deployment = manifest('Deployment');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;

  it('run two replicas of the image as its user, with time to shut down cleanly', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.containers).toHaveLength(1);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(DOCKERFILE).toMatch(/^USER node$/m);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(SHUTDOWN_SECONDS);
    // test/container runs the image with a read-only root file system too.
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  it('probe liveness on /health/live and readiness on /health/ready, on the port the service listens on', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: IMAGE_PORT }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
  });

  it('set only variables the service reads, tokens and database address from the Secret, left empty', () => {
    const secret = manifest('Secret');
    expect(container.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['AOL_API_TOKEN', 'AOL_METRICS_TOKEN', 'AOL_READ_TOKEN', 'DATABASE_URL']);
    expect(Object.values(secret.stringData)).toEqual(['', '', '', '']);
    const names = [...Object.keys(secret.stringData), ...container.env.map((variable: { name: string }) => variable.name)];
    for (const name of names) expect(CONFIGURATION.has(name)).toBe(true);
    expect(container.env).toContainEqual({ name: 'AOL_EVENT_BUS', value: 'postgres' });
  });

  it('mount the claimed, shared artifact volume where the service writes artifacts', () => {
    const claim = manifest('PersistentVolumeClaim');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    const artifactDir =
      container.env.find((variable: { name: string }) => variable.name === 'AOL_ARTIFACT_DIR')?.value ?? IMAGE_ARTIFACT_DIR;
    const mount = container.volumeMounts.find((volumeMount: { mountPath: string }) => volumeMount.mountPath === artifactDir);
    const volume = pod.volumes.find((candidate: { name: string }) => candidate.name === mount.name);
    expect(volume.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
  });

  it('select the pods of the Deployment from the Service and the disruption budget, which keeps one up', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const service = manifest('Service');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports).toEqual([expect.objectContaining({ targetPort: 'http' })]);
    const budget = manifest('PodDisruptionBudget');
    expect(budget.spec.selector.matchLabels).toEqual(labels);
    expect(budget.spec.minAvailable).toBe(1);
  });
});

describe('the compose file', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as Record<string, any>;
  const replicas = Object.entries(compose.services as Record<string, any>).filter(([name]) => name.startsWith('aol-'));

  it('runs two replicas built from the Dockerfile, on the PostgreSQL service, sharing events and the artifact volume', () => {
    expect(replicas.map(([name]) => name)).toEqual(['aol-1', 'aol-2']);
    for (const [, service] of replicas) {
      expect(join(DEPLOY, service.build.context)).toBe(PROJECT_ROOT);
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(service.environment.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(service.environment.AOL_EVENT_BUS).toBe('postgres');
      for (const name of Object.keys(service.environment)) expect(CONFIGURATION.has(name)).toBe(true);
      expect(service.volumes).toEqual([`artifacts:${IMAGE_ARTIFACT_DIR}`]);
      expect(service.ports).toEqual([expect.stringMatching(new RegExp(`:${IMAGE_PORT}$`))]);
      expect(Number(/^(\d+)s$/.exec(service.stop_grace_period)![1])).toBeGreaterThan(SHUTDOWN_SECONDS);
    }
    expect(Object.keys(compose.volumes)).toContain('artifacts');
  });
});

/** What GET /metrics exposes: the series names of the metrics module's registry. */
const EXPOSED = new Set(new AolMetrics(loadConfig({}), null as any, null as any, null as any).seriesNames());

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: its identifiers once strings, label matchers,
 * ranges, grouping clauses, variables and function calls are taken out.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '')
    .replace(/\b[a-zA-Z_]\w*\s*\(/g, '(');
  return (bare.match(/\b[a-zA-Z_:][\w:]*\b/g) ?? []).filter((word) => !PROMQL_WORDS.has(word.toLowerCase()));
}

describe('the Grafana dashboard and the Prometheus alerts', () => {
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'aol-dashboard.json'), 'utf8'));
  const alerts = parse(readFileSync(join(DEPLOY, 'prometheus', 'aol-alerts.yaml'), 'utf8')) as { groups: Array<{ rules: any[] }> };
  const panelExprs: string[] = dashboard.panels.flatMap((panel: any) => (panel.targets ?? []).map((target: any) => target.expr));
  const rules = alerts.groups.flatMap((group) => group.rules);

  it('the name extraction finds metrics and nothing else', () => {
    expect(
      metricNames('min(timestamp(aol_a{x="y z"}) - aol_b[5m]) > 3 * max by (le) (rate(c_total[$__rate_interval])) unless on() d == 1'),
    ).toEqual(['aol_a', 'aol_b', 'c_total', 'd']);
  });

  it('the dashboard is a Grafana dashboard whose every panel queries the metrics', () => {
    expect(dashboard).toMatchObject({ uid: expect.any(String), title: 'AOL', schemaVersion: expect.any(Number) });
    expect(panelExprs.length).toBeGreaterThanOrEqual(10);
    expect(new Set(dashboard.panels.map((panel: any) => panel.id)).size).toBe(dashboard.panels.length);
  });

  it('the alerts cover DLQ growth, a missing tick, no leader and a long wait, each with a severity and a summary', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['AolDeadLetterQueueGrowing', 'AolNoTick', 'AolNoLeader', 'AolOldestDueActionWaiting']),
    );
    for (const rule of rules) {
      expect(rule).toMatchObject({ expr: expect.any(String), labels: { severity: expect.stringMatching(/^(warning|critical)$/) } });
      expect(rule.annotations.summary).toEqual(expect.any(String));
    }
  });

  it.each([...panelExprs.map((expr) => ['dashboard', expr]), ...rules.map((rule) => [`alert ${rule.alert}`, rule.expr])])(
    '%s: %s reads only metrics GET /metrics exposes',
    (_where, expr) => {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect([name, EXPOSED.has(name)]).toEqual([name, true]);
    },
  );
});
