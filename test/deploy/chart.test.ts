/**
 * The Helm chart, rendered with test/deploy/helm-lite.ts (no helm binary here):
 * - the committed fixture test/deploy/rendered-chart.yaml is what the templates render with the
 *   default values (the e2e workflow checks real Helm renders the same objects);
 * - the webhook rules in values.yaml equal `buildWebhookConfigurations` for the built-in policies,
 *   and the rendered webhook configurations equal the builder's output;
 * - every rendered object fits the Kubernetes OpenAPI schema and passes `portcullis audit` with the
 *   built-in policies in a namespace that enforces Pod Security "restricted".
 * UPDATE_FIXTURES=1 rewrites the fixture and the rules in values.yaml instead of comparing.
 */
import { Ajv } from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeq, parseAllDocuments, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { runAudit } from '../../src/audit/run.js';
import { emptyConfig } from '../../src/loaders/config.js';
import { loadPolicies } from '../../src/loaders/index.js';
import { buildWebhookConfigurations } from '../../src/server/webhook-config.js';
import { PLACEHOLDER_CA_PEM, renderChart, TemplateError, type ChartRender } from './helm-lite.js';
import { schemaError } from './k8s-schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHART = path.join(ROOT, 'charts/portcullis');
const FIXTURE = path.join(ROOT, 'test/deploy/rendered-chart.yaml');
const BUILTIN_POLICIES = path.join(ROOT, 'policies');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const REGENERATE = 'out of step: rerun with UPDATE_FIXTURES=1 npx vitest run test/deploy/chart.test.ts and review the diff';
const RELEASE = { releaseName: 'portcullis', namespace: 'portcullis' };

const render = (values: Record<string, unknown> = {}): ChartRender => renderChart({ chartDir: CHART, ...RELEASE, values });
/** 1-based line of the first line of a chart file containing `text` */
const lineOf = (file: string, text: string) => readFileSync(path.join(CHART, file), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
const find = (docs: Record<string, unknown>[], kind: string, name?: string) =>
  docs.filter((d) => d.kind === kind && (name === undefined || (d.metadata as { name: string }).name === name));

/** Variants that switch on every optional template. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  certManager: { tls: { mode: 'certManager' } },
  certManagerWithIssuer: { tls: { mode: 'certManager', certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } } },
  existingSecret: { tls: { mode: 'secret', existingSecret: 'my-tls', caBundle: PLACEHOLDER_CA_PEM } },
  everything: {
    audit: { enabled: true },
    metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    policies: {
      extra: {
        'images-params.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: images\n  namespace: portcullis\ndata:\n  requireDigest: "false"\n',
      },
    },
    config: { policyConfig: { defaults: { workloads: true } } },
    podAnnotations: { team: 'platform' },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
    webhook: { excludeNamespaces: ['monitoring'], matchConditions: false },
  },
};

let builtinRules: { validating: unknown; mutating: unknown };

beforeAll(async () => {
  const loaded = await loadPolicies({ dirs: [BUILTIN_POLICIES], config: emptyConfig() });
  expect(loaded.errors.map((e) => e.message)).toEqual([]);
  const built = buildWebhookConfigurations({
    policies: loaded.policies,
    caBundlePem: PLACEHOLDER_CA_PEM,
    service: 'portcullis',
    namespace: 'portcullis',
  });
  builtinRules = { validating: built.validating?.webhooks?.[0]?.rules ?? [], mutating: built.mutating?.webhooks?.[0]?.rules ?? [] };
  if (UPDATE) {
    const file = path.join(CHART, 'values.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    // one rule per item, each list on one line, as a person would write them
    for (const [key, rules] of [['validatingRules', builtinRules.validating], ['mutatingRules', builtinRules.mutating]] as const) {
      const node = doc.createNode(rules) as YAMLSeq<YAMLMap<unknown, YAMLSeq>>;
      for (const rule of node.items) for (const pair of rule.items) if (isSeq(pair.value)) pair.value.flow = true;
      doc.setIn(['webhook', key], node);
    }
    writeFileSync(file, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
    writeFileSync(FIXTURE, `# Rendered by test/deploy/helm-lite.ts from charts/portcullis with the default values\n# (release "portcullis" in namespace "portcullis"). Regenerate: UPDATE_FIXTURES=1 npx vitest run test/deploy\n${render().stream}`);
  }
});

describe('chart values', () => {
  it('values.yaml webhook rules equal portcullis manifests for the built-in policies', () => {
    const values = parseDocument(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')).toJS() as { webhook: Record<string, unknown> };
    expect(values.webhook.validatingRules, REGENERATE).toEqual(builtinRules.validating);
    expect(values.webhook.mutatingRules, REGENERATE).toEqual(builtinRules.mutating);
  });

  it('values.yaml fits values.schema.json, and the schema rejects bad values', () => {
    const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const values = parseDocument(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')).toJS() as Record<string, unknown>;
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);

    const bad = (patch: Record<string, unknown>) => {
      const ok = validate({ ...values, ...patch });
      return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    };
    expect(bad({ mode: 'block' })).toEqual(['/mode must be equal to one of the allowed values']);
    expect(bad({ webhook: { timeoutSeconds: 31 } })).toEqual(['/webhook/timeoutSeconds must be <= 30']);
    expect(bad({ tls: { mode: 'vault' } })).toEqual(['/tls/mode must be equal to one of the allowed values']);
    expect(bad({ tls: { ...(values.tls as object), mode: 'secret' } })).toEqual([
      '/tls/existingSecret must NOT have fewer than 1 characters',
      '/tls/caBundle must NOT have fewer than 1 characters',
      '/tls must match "then" schema',
    ]);
    expect(bad({ replicaCount: 0 })).toEqual(['/replicaCount must be >= 1']);
    expect(bad({ typo: true })).toEqual([' must NOT have additional properties']);
  });
});

describe('rendered chart (helm-lite)', () => {
  it('the committed fixture is what the templates render with the default values', () => {
    const fixture = readFileSync(FIXTURE, 'utf8');
    expect(fixture.slice(fixture.indexOf('---')), REGENERATE).toBe(render().stream);
  });

  it('renders the documented set of objects by default', () => {
    const kinds = render().documents.map((d) => `${String(d.kind)}/${String((d.metadata as { name: string }).name)}`);
    expect(kinds.sort()).toEqual(
      [
        'ClusterRole/portcullis',
        'ClusterRoleBinding/portcullis',
        'Deployment/portcullis',
        'MutatingWebhookConfiguration/portcullis',
        'PodDisruptionBudget/portcullis',
        'Secret/portcullis-tls',
        'Service/portcullis',
        'Service/portcullis-metrics',
        'ServiceAccount/portcullis',
        'ValidatingWebhookConfiguration/portcullis',
      ].sort(),
    );
  });

  it('the webhook configurations equal buildWebhookConfigurations for the built-in policies', async () => {
    const loaded = await loadPolicies({ dirs: [BUILTIN_POLICIES], config: emptyConfig() });
    const built = buildWebhookConfigurations({ policies: loaded.policies, caBundlePem: PLACEHOLDER_CA_PEM, service: 'portcullis', namespace: 'portcullis' });
    const docs = render().documents;
    expect(find(docs, 'ValidatingWebhookConfiguration')[0]?.webhooks).toEqual(built.validating?.webhooks);
    expect(find(docs, 'MutatingWebhookConfiguration')[0]?.webhooks).toEqual(built.mutating?.webhooks);
    // and the generated CA goes into the Secret the pods mount
    const secret = find(docs, 'Secret', 'portcullis-tls')[0] as { data: Record<string, string> };
    expect(Buffer.from(secret.data['ca.crt']!, 'base64').toString()).toBe(PLACEHOLDER_CA_PEM);
  });

  it('the Deployment is highly available and restricted', () => {
    const deployment = find(render().documents, 'Deployment')[0] as {
      spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' } });
    expect(container.args).toContain('--certs=/etc/portcullis/certs');
    expect(container.args).toContain('--policies=/app/policies');
    expect(pod.topologySpreadConstraints).toMatchObject([{ topologyKey: 'kubernetes.io/hostname' }]);
    expect(pod.volumes).toContainEqual({ name: 'certs', secret: { secretName: 'portcullis-tls' } });
  });

  it('RBAC: namespaces only, unless audit is enabled', () => {
    const roles = (values: Record<string, unknown>) =>
      find(render(values).documents, 'ClusterRole').map((r) => ({ name: (r.metadata as { name: string }).name, rules: r.rules }));
    expect(roles({})).toEqual([{ name: 'portcullis', rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }] }]);
    const withAudit = roles({ audit: { enabled: true } });
    expect(withAudit.map((r) => r.name)).toEqual(['portcullis', 'portcullis-audit']);
    const auditRules = withAudit[1]!.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const listed = auditRules.filter((r) => r.verbs.includes('list')).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)));
    for (const rule of builtinRules.validating as { apiGroups: string[]; resources: string[] }[]) {
      for (const g of rule.apiGroups) for (const res of rule.resources) expect(listed).toContain(`${g}/${res}`);
    }
    expect(auditRules.at(-1)).toEqual({ apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports', 'clusterpolicyreports'], verbs: ['get', 'create', 'update'] });
  });

  it('RBAC: param resources are readable only when rbac.paramResources lists them', () => {
    const role = (values: Record<string, unknown>) => find(render(values).documents, 'ClusterRole')[0]!.rules;
    expect(role({ rbac: { paramResources: [{ apiGroups: [''], resources: ['configmaps'] }] } })).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('cert-manager mode: no generated Secret, CA injected by annotation', () => {
    const docs = render({ tls: { mode: 'certManager' } }).documents;
    expect(find(docs, 'Secret')).toEqual([]);
    expect(find(docs, 'Certificate').map((c) => (c.metadata as { name: string }).name)).toEqual(['portcullis-ca', 'portcullis-tls']);
    const webhook = find(docs, 'ValidatingWebhookConfiguration')[0] as { metadata: { annotations: Record<string, string> }; webhooks: { clientConfig: Record<string, unknown> }[] };
    expect(webhook.metadata.annotations['cert-manager.io/inject-ca-from']).toBe('portcullis/portcullis-tls');
    expect(webhook.webhooks[0]!.clientConfig.caBundle).toBeUndefined();
  });

  it('extra policies and config are mounted as one more --policies folder and --config', () => {
    const docs = render(VARIANTS.everything).documents;
    const container = (find(docs, 'Deployment')[0] as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!;
    expect(container.args).toEqual(
      expect.arrayContaining(['--policies=/app/policies', '--policies=/etc/portcullis/policies', '--config=/etc/portcullis/config/config.yaml']),
    );
    const policies = find(docs, 'ConfigMap', 'portcullis-policies')[0] as { data: Record<string, string> };
    expect(Object.keys(policies.data)).toEqual(['images-params.yaml']);
    expect(policies.data['images-params.yaml']).toContain('kind: ConfigMap');
  });

  it('policies.builtin false loads only the ConfigMap folder', () => {
    const docs = render({ policies: { builtin: false, existingConfigMap: 'my-policies' } }).documents;
    const pod = (find(docs, 'Deployment')[0] as { spec: { template: { spec: { containers: { args: string[] }[]; volumes: unknown[] } } } }).spec.template.spec;
    expect(pod.containers[0]!.args.filter((a) => a.startsWith('--policies'))).toEqual(['--policies=/etc/portcullis/policies']);
    expect(pod.volumes).toContainEqual({ name: 'policies', configMap: { name: 'my-policies' } });
    expect(find(docs, 'ConfigMap')).toEqual([]);
  });

  it('the audit CronJob runs the CLI with the distroless node, as the audit ServiceAccount', () => {
    const job = find(render({ audit: { enabled: true } }).documents, 'CronJob')[0] as {
      spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string; containers: { command: string[]; args: string[] }[] } } } } };
    };
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('portcullis-audit');
    expect(pod.containers[0]!.command).toEqual(['/nodejs/bin/node', '/app/dist/src/cli/main.js']);
    expect(pod.containers[0]!.args).toEqual(['audit', '--cluster', '--write-reports', '--policies=/app/policies']);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ tls: { mode: 'vault' } }, `templates/webhooks.yaml:${lineOf('templates/webhooks.yaml', 'fail (printf "tls.mode')}: tls.mode must be helm, certManager or secret, not "vault"`],
    [{ tls: { mode: 'secret', caBundle: 'x' } }, 'tls.existingSecret is required when tls.mode is secret'],
    [{ policies: { builtin: false } }, 'templates/deployment.yaml:2: no policies: set policies.builtin, policies.extra or policies.existingConfigMap'],
    [{ tls: { mode: 'secret', existingSecret: 'mine' } }, 'tls.caBundle (the CA\'s PEM) is required when tls.mode is secret'],
  ])('fails with a clear message for %j', (values, message) => {
    expect(() => render(values)).toThrow(TemplateError);
    expect(() => render(values)).toThrow(message);
  });
});

describe.each(Object.keys(VARIANTS))('variant %s', (variant) => {
  const rendered = () => render(VARIANTS[variant]);

  it('every object fits the Kubernetes OpenAPI schema', async () => {
    const errors: string[] = [];
    let checked = 0;
    for (const doc of rendered().documents) {
      const error = await schemaError(doc);
      if (error === undefined) {
        expect(['cert-manager.io/v1', 'monitoring.coreos.com/v1']).toContain(doc.apiVersion);
        continue;
      }
      checked++;
      if (error) errors.push(error);
    }
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  describe('portcullis audit with the built-in policies', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'portcullis-chart-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('denies nothing, in a namespace enforcing Pod Security restricted', async () => {
      const file = path.join(dir, `${variant}.yaml`);
      writeFileSync(file, rendered().stream);
      const { code, out, err } = await auditFile(file);
      expect(err).toBe('');
      expect(code, out).toBe(0);
      const result = JSON.parse(out) as { summary: Record<string, number> };
      // no denial, and not even a warning (probes, resources, images, Pod Security restricted)
      expect(result.summary).toMatchObject({ objects: rendered().documents.length, denied: 0, fail: 0, warn: 0, error: 0 });
      expect(result.summary.pass).toBeGreaterThan(0);
    });
  });
});

describe('the audit above can fail', () => {
  // Pod Security enforces on Pods only; on a Deployment's template it warns, as Kubernetes does
  it('flags the chart rendered with a privileged container', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-chart-'));
    try {
      const file = path.join(dir, 'privileged.yaml');
      writeFileSync(file, render({ securityContext: { privileged: true, allowPrivilegeEscalation: true } }).stream);
      const { code, out } = await auditFile(file);
      expect(code).toBe(0);
      expect((JSON.parse(out) as { summary: { warn: number } }).summary.warn).toBeGreaterThan(0);
      expect(out).toContain('would violate PodSecurity \\"restricted:latest\\": privileged (container \\"portcullis\\"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fixture parses as helm would print it', () => {
  it('is a YAML stream of the same objects', () => {
    const docs = parseAllDocuments(readFileSync(FIXTURE, 'utf8'))
      .map((d) => d.toJS() as Record<string, unknown> | null)
      .filter((d) => d !== null);
    expect(docs).toEqual(render().documents);
  });
});

async function auditFile(file: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const code = await runAudit(
    {
      files: [file],
      cluster: false,
      policies: [BUILTIN_POLICIES],
      policy: [],
      output: 'json',
      operation: 'CREATE',
      old: [],
      namespaceLabels: ['portcullis:pod-security.kubernetes.io/enforce=restricted'],
      namespaces: [],
      writeReports: false,
    },
    { stdin: Readable.from([]), stdout, stderr, env: {} },
  );
  return { code, out: out.join(''), err: err.join('') };
}
