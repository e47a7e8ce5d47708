/**
 * pod-security loaded the way `portcullis serve` loads it (the TypeScript loader bundles
 * policies/pod-security/index.ts) and run through the PolicySet: the AdmissionResponse pieces a
 * user sees - status 403 with PSA's message, one warning, audit annotations, findings per control.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { Lookups } from '../../src/engine/types.js';
import { loadTypeScriptPolicy } from '../../src/loaders/typescript.js';
import { deploymentOf, restrictedPod } from './helpers.js';

const POLICY_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies/pod-security/index.ts');

function lookups(namespaceLabels: Record<string, string>): Lookups {
  return {
    namespace: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: namespaceLabels } }),
    params: () => [],
  };
}

function request(object: KubeObject, resource: { group: string; version: string; resource: string }, kind: string): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: resource.group, version: resource.version, kind },
    resource,
    name: object.metadata?.name,
    namespace: 'team-a',
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    object,
    oldObject: null,
  };
}

let set: PolicySet;

beforeAll(async () => {
  set = new PolicySet([await loadTypeScriptPolicy(POLICY_FILE)]);
}, 60_000);

describe('pod-security through the TypeScript loader and the PolicySet', () => {
  it('denies with status 403 and exactly the Pod Security Admission message', () => {
    const pod = restrictedPod();
    Object.assign(pod.spec as object, { hostNetwork: true, hostIPC: true });
    ((pod.spec as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>).securityContext = { privileged: true };
    const decision = set.validate(request(pod, { group: '', version: 'v1', resource: 'pods' }, 'Pod'), lookups({}), 'enforce');
    expect(decision.allowed).toBe(false);
    expect(decision.status).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostIPC=true), ' +
        'privileged (container "app" must not set securityContext.privileged=true)',
    });
    expect(decision.findings.filter((f) => f.action === 'Deny').map((f) => f.rule)).toEqual(['hostNamespaces', 'privileged']);
    expect(decision.warnings).toEqual([]);
    const annotations = Object.entries(decision.auditAnnotations);
    expect(annotations.find(([k]) => k.endsWith('enforce-policy'))?.[1]).toBe('baseline:latest');
    expect(annotations.find(([k]) => k.endsWith('audit-violations'))?.[1]).toMatch(/^would violate PodSecurity "restricted:latest": host namespaces/);
  });

  it('warns once for a workload and never denies it', () => {
    const pod = restrictedPod();
    (pod.spec as Record<string, unknown>).hostPID = true;
    const decision = set.validate(
      request(deploymentOf(pod), { group: 'apps', version: 'v1', resource: 'deployments' }, 'Deployment'),
      lookups({ 'pod-security.kubernetes.io/enforce': 'restricted' }),
      'enforce',
    );
    expect(decision.allowed).toBe(true);
    expect(decision.warnings).toEqual(['would violate PodSecurity "restricted:latest": host namespaces (hostPID=true)']);
  });

  it('server audit mode turns the denial into a warning', () => {
    const pod = restrictedPod();
    (pod.spec as Record<string, unknown>).hostPID = true;
    const decision = set.validate(request(pod, { group: '', version: 'v1', resource: 'pods' }, 'Pod'), lookups({}), 'audit');
    expect(decision.allowed).toBe(true);
    expect(decision.warnings).toEqual(['would deny: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)']);
  });
});
