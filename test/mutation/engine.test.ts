/**
 * The defaults through the real loader and engine: policies/defaults loaded as a TypeScript policy
 * module, run by PolicySet.mutate, and the patched pod judged by the validating policies the
 * mutation exists for (policies/resources, Pod Security restricted).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import type { JsonPatchOperation } from '../../src/admission/patch.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { Lookups } from '../../src/engine/types.js';
import { emptyConfig, loadPolicies } from '../../src/loaders/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs = ['defaults', 'resources', 'pod-security'].map((d) => path.join(repo, 'policies', d));

const restricted: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', 'pod-security.kubernetes.io/enforce': 'restricted' } },
};
const lookups: Lookups = { namespace: (name) => (name === 'shop' ? restricted : undefined), params: () => [] };

function request(object: KubeObject, operation: AdmissionRequest['operation'] = 'CREATE'): AdmissionRequest {
  return {
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: object.metadata?.name,
    namespace: 'shop',
    operation,
    userInfo: { username: 'alice' },
    object,
    oldObject: null,
  };
}

/** Restricted in every respect except resources, seccomp and allowPrivilegeEscalation. */
const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: {
    securityContext: { runAsNonRoot: true },
    initContainers: [{ name: 'init', image: 'busybox:1.36', securityContext: { capabilities: { drop: ['ALL'] } } }],
    containers: [{ name: 'app', image: 'nginx:1.27', securityContext: { capabilities: { drop: ['ALL'] } } }],
  },
};

let set: PolicySet;
beforeAll(async () => {
  const loaded = await loadPolicies({ dirs, config: emptyConfig() });
  expect(loaded.errors.map((e) => e.message)).toEqual([]);
  set = new PolicySet(loaded.policies);
});

const apply = (object: KubeObject, patch: JsonPatchOperation[]) =>
  jsonpatch.applyPatch(structuredClone(object), patch as jsonpatch.Operation[], true, false).newDocument;

describe('defaults through the engine', () => {
  it('patches a pod so that resources and Pod Security restricted allow it, and only then', () => {
    const before = set.validate(request(pod), lookups, 'enforce');
    expect(before.allowed).toBe(false);
    const denied = before.findings.filter((f) => f.action === 'Deny').map((f) => f.policy);
    expect(new Set(denied)).toEqual(new Set(['resources', 'pod-security']));

    const mutation = set.mutate(request(pod), lookups, 'enforce');
    expect(mutation.findings).toEqual([]);
    expect(mutation.patch.map((op) => op.path)).toEqual([
      '/spec/containers/0/securityContext/allowPrivilegeEscalation',
      '/spec/containers/0/resources',
      '/spec/initContainers/0/securityContext/allowPrivilegeEscalation',
      '/spec/initContainers/0/resources',
      '/spec/securityContext/seccompProfile',
    ]);
    const patched = apply(pod, mutation.patch);
    expect(patched).toEqual(mutation.object);

    const after = set.validate(request(patched), lookups, 'enforce');
    expect(after.findings.filter((f) => f.action === 'Deny')).toEqual([]);
    expect(after.allowed).toBe(true);

    // reinvocation: the patched pod needs no further patch
    expect(set.mutate(request(patched), lookups, 'enforce').patch).toEqual([]);
  });

  it('gives the same patch for a dry run, and none in audit mode (a warning and annotation instead)', () => {
    const enforce = set.mutate(request(pod), lookups, 'enforce');
    expect(set.mutate({ ...request(pod), dryRun: true }, lookups, 'enforce').patch).toEqual(enforce.patch);
    const audit = set.mutate(request(pod), lookups, 'audit');
    expect(audit.patch).toEqual([]);
    // one short warning (paths cut at 120 characters); the whole patch is in the annotation
    expect(audit.warnings).toHaveLength(1);
    expect(audit.warnings[0]!.length).toBeLessThanOrEqual(120);
    expect(`would patch 5 field(s): ${enforce.patch.map((op) => op.path).join(', ')}`).toContain(audit.warnings[0]!.replace(/, \.\.\.$/, ''));
    const [, wouldPatch] = Object.entries(audit.auditAnnotations).find(([key]) => key.endsWith('would-patch')) ?? [];
    expect(JSON.parse(wouldPatch!)).toEqual(enforce.patch);
  });

  it('applies a bad policyConfig.defaults as failurePolicy Ignore: no patch, a warning naming the field', async () => {
    const config = { ...emptyConfig(), policyConfig: { defaults: { resources: { requests: { memory: '12XB' } } } } };
    const loaded = await loadPolicies({ dirs: [dirs[0]!], config });
    const decision = new PolicySet(loaded.policies).mutate(request(pod), lookups, 'enforce');
    expect(decision.patch).toEqual([]);
    expect(decision.allowed).toBe(true);
    expect(decision.warnings.join('\n')).toContain('policyConfig.defaults.resources.requests.memory: "12XB" is not a valid quantity');
  });
});

describe('MutatingAdmissionPolicy through the loader and engine', () => {
  it('loads a policy folder, runs after-each-other mutations with the defaults, and patches once', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-map-'));
    try {
      await writeFile(
        path.join(dir, 'team.yaml'),
        `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicy
metadata: {name: team-label}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("example.com/team"), value: "shop"}]'
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicyBinding
metadata: {name: team-label}
spec: {policyName: team-label}
`,
      );
      const loaded = await loadPolicies({ dirs: [dir, dirs[0]!], config: emptyConfig() });
      expect(loaded.errors.map((e) => e.message)).toEqual([]);
      const decision = new PolicySet(loaded.policies).mutate(request(pod), lookups, 'enforce');
      expect(decision.findings).toEqual([]);
      expect(decision.patch[decision.patch.length - 1]).toEqual({ op: 'add', path: '/metadata/labels/example.com~1team', value: 'shop' });
      expect(decision.patch).toHaveLength(6);
      const patched = apply(pod, decision.patch);
      expect(new PolicySet(loaded.policies).mutate(request(patched), lookups, 'enforce').patch).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
