import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
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
    expect(Object.keys(secret.stringData).sort()).toEqual(['AOL_API_TOKEN', 'AOL_READ_TOKEN', 'DATABASE_URL']);
    expect(Object.values(secret.stringData)).toEqual(['', '', '']);
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
