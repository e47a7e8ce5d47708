/**
 * `portcullis manifests`: the printed YAML is parsed and checked against the loaded policies, the
 * CA on disk and the Kubernetes OpenAPI schemas.
 */
import { CommanderError } from 'commander';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { manifestsCommand, PolicyLoadFailedError, renderManifests, type ManifestsSettings } from '../../src/cli/manifests.js';
import type { Policy, ResourceRule } from '../../src/engine/types.js';
import { emptyConfig } from '../../src/loaders/config.js';
import { loadPolicies } from '../../src/loaders/index.js';
import { resourceCovers } from '../../src/server/webhook-config.js';
import { schemaError } from './k8s-schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILTIN_POLICIES = path.join(ROOT, 'policies');

type Doc = {
  kind: string;
  metadata: { name: string };
  webhooks: {
    name: string;
    rules: ResourceRule[];
    clientConfig: { caBundle: string; service: { name: string; namespace: string; path: string; port: number } };
    namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
    failurePolicy: string;
    timeoutSeconds: number;
    matchConditions?: { name: string; expression: string }[];
  }[];
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'portcullis-manifests-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings = (extra: Partial<ManifestsSettings> = {}): ManifestsSettings => ({
  certs: path.join(dir, 'certs'),
  service: 'portcullis',
  namespace: 'policy-system',
  policies: [],
  ...extra,
});
const parse = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc);

/** Each (group, version, resource, operation) atom of `rules`, with '*' kept as written. */
const atoms = (rules: readonly ResourceRule[]) =>
  rules.flatMap((r) => r.apiGroups.flatMap((g) => r.apiVersions.flatMap((v) => r.resources.flatMap((res) => r.operations.map((o) => ({ g, v, res, o }))))));
type Atom = ReturnType<typeof atoms>[number];
const covered = (a: Atom, by: Atom[]) =>
  by.some((b) => (b.g === '*' || b.g === a.g) && (b.v === '*' || b.v === a.v) && (b.o === '*' || b.o === a.o) && resourceCovers(b.res, a.res));

describe('portcullis manifests (built-in policies)', () => {
  let docs: Doc[];
  let policies: Policy[];
  beforeAll(async () => {
    docs = parse(await renderManifests(settings()));
    const loaded = await loadPolicies({ dirs: [BUILTIN_POLICIES], config: emptyConfig() });
    expect(loaded.errors).toEqual([]);
    policies = loaded.policies;
  });

  it('prints a ValidatingWebhookConfiguration then a MutatingWebhookConfiguration', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}/${d.webhooks.map((w) => w.name).join()}`)).toEqual([
      'ValidatingWebhookConfiguration/portcullis/validate.portcullis.dev',
      'MutatingWebhookConfiguration/portcullis/mutate.portcullis.dev',
    ]);
  });

  it.each([
    ['validating', 0, (p: Policy) => typeof p.validate === 'function'],
    ['mutating', 1, (p: Policy) => typeof p.mutate === 'function'],
  ] as const)('%s rules cover every kind the policies match and nothing else', (_label, index, uses) => {
    const hook = atoms(docs[index]!.webhooks[0]!.rules);
    const wanted = atoms(policies.filter(uses).flatMap((p) => p.rules));
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.filter((a) => !covered(a, hook))).toEqual([]);
    expect(hook.filter((a) => !covered(a, wanted))).toEqual([]);
  });

  it('caBundle decodes to the CA written to --certs', () => {
    const ca = readFileSync(path.join(dir, 'certs', 'ca.crt'), 'utf8');
    expect(ca).toContain('-----BEGIN CERTIFICATE-----');
    for (const doc of docs) expect(Buffer.from(doc.webhooks[0]!.clientConfig.caBundle, 'base64').toString('utf8')).toBe(ca);
  });

  it('points at the Service and excludes kube-system, kube-node-lease and its own namespace', () => {
    for (const [i, doc] of docs.entries()) {
      const hook = doc.webhooks[0]!;
      expect(hook.clientConfig.service).toEqual({ name: 'portcullis', namespace: 'policy-system', path: i === 0 ? '/validate' : '/mutate', port: 443 });
      expect(hook.namespaceSelector.matchExpressions).toEqual([
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-node-lease', 'kube-system', 'policy-system'] },
      ]);
      expect(hook.matchConditions?.map((c) => c.name)).toEqual(['exclude-node-requests', 'exclude-kube-system-controllers-on-cluster-scoped-objects']);
    }
  });

  it('fits the Kubernetes OpenAPI schemas (kubernetes-models)', async () => {
    for (const doc of docs) expect(await schemaError(doc as unknown as Record<string, unknown>)).toBe('');
  });

  it('keeps the CA on a second run (certificates are generated only when missing)', async () => {
    const again = parse(await renderManifests(settings()));
    expect(again[0]!.webhooks[0]!.clientConfig.caBundle).toBe(docs[0]!.webhooks[0]!.clientConfig.caBundle);
  });
});

describe('portcullis manifests options', () => {
  let policyDir: string;
  beforeAll(() => {
    policyDir = path.join(dir, 'custom');
    mkdirSync(policyDir);
    writeFileSync(
      path.join(policyDir, 'configmaps.ts'),
      `import { definePolicy } from 'portcullis';
export default definePolicy({
  name: 'configmap-size',
  match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE', 'UPDATE'] }] },
  validate: () => [],
});
`,
    );
  });

  it('--policies replaces the built-in folder; no mutating policy means no MutatingWebhookConfiguration', async () => {
    const docs = parse(await renderManifests(settings({ policies: [policyDir] })));
    expect(docs.map((d) => d.kind)).toEqual(['ValidatingWebhookConfiguration']);
    expect(docs[0]!.webhooks[0]!.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE', 'UPDATE'], scope: '*' }]);
  });

  it('flags reach the configurations', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await manifestsCommand().parseAsync(
        ['--certs', path.join(dir, 'certs2'), '--service', 'gate', '--namespace', 'sec', '--policies', policyDir, '--failure-policy', 'Ignore', '--timeout-seconds', '3', '--port', '8443', '--no-match-conditions'],
        { from: 'user' },
      );
      const docs = parse(out.mock.calls.map((c) => String(c[0])).join(''));
      const hook = docs[0]!.webhooks[0]!;
      expect(hook.failurePolicy).toBe('Ignore');
      expect(hook.timeoutSeconds).toBe(3);
      expect(hook.matchConditions).toBeUndefined();
      expect(hook.clientConfig.service).toEqual({ name: 'gate', namespace: 'sec', path: '/validate', port: 8443 });
      expect(hook.namespaceSelector.matchExpressions[0]!.values).toEqual(['kube-node-lease', 'kube-system', 'sec']);
    } finally {
      out.mockRestore();
    }
  });

  it('rejects an unknown failure policy', async () => {
    const command = manifestsCommand().exitOverride().configureOutput({ writeErr: () => {} });
    await expect(command.parseAsync(['--failure-policy', 'Deny'], { from: 'user' })).rejects.toThrow(CommanderError);
    await expect(
      manifestsCommand().exitOverride().configureOutput({ writeErr: () => {} }).parseAsync(['--failure-policy', 'Deny'], { from: 'user' }),
    ).rejects.toThrow("error: option '--failure-policy <policy>' argument 'Deny' is invalid. Allowed choices are Fail, Ignore.");
  });

  it('rejects an out-of-range timeout with the builder error', async () => {
    await expect(renderManifests(settings({ policies: [policyDir], timeoutSeconds: 40 }))).rejects.toThrow(
      "webhook configuration: timeoutSeconds: 40 is not an integer in 1..30 (the apiserver's range)",
    );
  });

  it('a policy folder that does not load is an error naming the file', async () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'bad.yaml'), 'kind: [unclosed\n');
    const attempt = renderManifests(settings({ policies: [broken] }));
    await expect(attempt).rejects.toThrow(PolicyLoadFailedError);
    await expect(renderManifests(settings({ policies: [broken] }))).rejects.toThrow(path.join(broken, 'bad.yaml'));
  });
});
