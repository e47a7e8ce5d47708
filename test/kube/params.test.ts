import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import { emptyConfig, loadPolicies, readPolicyFolders } from '../../src/loaders/index.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { createLookups, type PortcullisLookups } from '../../src/kube/lookups.js';
import { paramKindsOf } from '../../src/kube/params.js';
import { deployment, deploymentRequest } from '../vap/helpers.js';
import { startFakeApiserver, type FakeApiserver } from './fake-apiserver.js';

/** Waits (without a time assertion: the test timeout is the bound) until check() holds. */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const configMap = (name: string, namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, creationTimestamp: '2026-01-02T03:04:05Z' },
  data,
});
const limit = (name: string, namespace: string, maxReplicas: number): KubeObject => ({
  apiVersion: 'rules.example.com/v1',
  kind: 'ReplicaLimit',
  metadata: { name, namespace },
  maxReplicas,
});
const CONFIGMAP = { groupVersion: 'v1', kind: 'ConfigMap', name: 'configmaps', namespaced: true };
const REPLICA_LIMIT = { groupVersion: 'rules.example.com/v1', kind: 'ReplicaLimit', name: 'replicalimits', namespaced: true };
const names = (objects: KubeObject[]): string[] => objects.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);

describe('paramKindsOf', () => {
  it('collects the distinct paramKinds of VAP and MAP documents', () => {
    const kinds = paramKindsOf([
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'a' }, spec: { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'b' }, spec: { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } },
      { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'c' }, spec: { paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' } } },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'd' }, spec: {} },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'e' }, spec: { paramKind: { apiVersion: 'v1', kind: 'Secret' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' } },
    ]);
    expect(kinds).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
    ]);
  });
});

// The fake apiserver stands in for a kube-apiserver, which cannot run here: a local HTTPS server on
// 127.0.0.1 with its own CA and a bearer token, serving discovery, list and watch.
describe('createLookups with cluster params', () => {
  let server: FakeApiserver | undefined;
  let lookups: PortcullisLookups | undefined;
  afterEach(async () => {
    await lookups?.close();
    await server?.close();
    lookups = undefined;
    server = undefined;
  });

  it('discovers ConfigMap and a custom kind, lists, and follows watch events', async () => {
    server = await startFakeApiserver([]);
    const configMaps = server.defineResource(CONFIGMAP, [configMap('settings', 'team-a', { max: '3' }), configMap('other', 'team-b', {})]);
    const limits = server.defineResource(REPLICA_LIMIT, [limit('lim', 'team-a', 3)]);
    lookups = createLookups({
      kubeConfig: loadKubeConfig(server.kubeconfigPath),
      paramKinds: [
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
      ],
    });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(server.discoveries.sort()).toEqual(['/api/v1', '/apis/rules.example.com/v1']);

    // plain frozen JSON; list items without apiVersion/kind get the paramKind's
    expect(lookups.params('v1', 'ConfigMap', 'team-a')).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-a', creationTimestamp: '2026-01-02T03:04:05Z' }, data: { max: '3' } },
    ]);
    expect(Object.isFrozen(lookups.params('v1', 'ConfigMap', 'team-a')[0]?.data)).toBe(true);
    expect(names(lookups.params('v1', 'ConfigMap'))).toEqual(['team-a/settings', 'team-b/other']);
    expect(lookups.params('v1', 'ConfigMap', 'team-c')).toEqual([]);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-a')[0]?.maxReplicas).toBe(3);

    await eventually(() => configMaps.watchers.size === 1 && limits.watchers.size === 1);
    limits.emit('MODIFIED', limit('lim', 'team-a', 5));
    limits.emit('ADDED', limit('lim', 'team-b', 1));
    configMaps.emit('DELETED', configMap('other', 'team-b', {}));
    await eventually(() => lookups!.params('v1', 'ConfigMap', 'team-b').length === 0);
    await eventually(() => lookups!.params('rules.example.com/v1', 'ReplicaLimit').length === 2);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-a')[0]?.maxReplicas).toBe(5);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-b')[0]?.maxReplicas).toBe(1);

    await lookups.close();
    await eventually(() => configMaps.watchers.size === 0 && limits.watchers.size === 0);
  });

  it('merges with folder params: cluster objects first, the cluster wins on the same namespace/name', async () => {
    server = await startFakeApiserver([]);
    server.defineResource(REPLICA_LIMIT, [limit('lim', 'team-a', 3)]);
    lookups = createLookups({
      kubeConfig: loadKubeConfig(server.kubeconfigPath),
      paramKinds: [{ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }],
      params: [limit('lim', 'team-a', 99), limit('folder-only', 'team-a', 7), limit('lim', 'team-b', 8)],
    });
    expect(await lookups.ready(20_000)).toBe(true);
    const teamA = lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-a');
    expect(teamA.map((o) => [o.metadata?.name, o.maxReplicas])).toEqual([
      ['lim', 3],
      ['folder-only', 7],
    ]);
    expect(names(lookups.params('rules.example.com/v1', 'ReplicaLimit'))).toEqual(['team-a/lim', 'team-a/folder-only', 'team-b/lim']);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-b')[0]?.maxReplicas).toBe(8);
  });

  it('reports a kind the cluster does not serve and keeps serving folder params', async () => {
    server = await startFakeApiserver([]);
    server.defineResource(CONFIGMAP, [configMap('settings', 'team-a', {})]);
    const errors: string[] = [];
    lookups = createLookups({
      kubeConfig: loadKubeConfig(server.kubeconfigPath),
      paramKinds: [
        { apiVersion: 'unknown.example.com/v1', kind: 'Missing' },
        { apiVersion: 'v1', kind: 'Nope' },
        { apiVersion: 'v1', kind: 'ConfigMap' },
      ],
      params: [{ apiVersion: 'unknown.example.com/v1', kind: 'Missing', metadata: { name: 'from-folder', namespace: 'team-a' } }],
      informer: { retryMs: 20, onError: (m) => errors.push(m) },
    });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(errors.sort()).toEqual([
      'param informer unknown.example.com/v1/Missing: unknown.example.com/v1 is not served by the cluster (discovery 404); using policy-folder params only',
      'param informer v1/Nope: kind Nope is not served in v1; using policy-folder params only',
    ]);
    expect(names(lookups.params('unknown.example.com/v1', 'Missing', 'team-a'))).toEqual(['team-a/from-folder']);
    expect(names(lookups.params('v1', 'ConfigMap'))).toEqual(['team-a/settings']);
  });

  it('a kind the service account may not list (403) is reported once and does not hold up readiness', async () => {
    server = await startFakeApiserver([]);
    server.defineResource(CONFIGMAP, [configMap('settings', 'team-a', {})]);
    server.forbidden.add('/api/v1/configmaps');
    const errors: string[] = [];
    lookups = createLookups({
      kubeConfig: loadKubeConfig(server.kubeconfigPath),
      params: [configMap('from-folder', 'team-a', {})],
      paramKinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
      paramInformer: { retryMs: 20, onError: (m) => errors.push(m) },
    });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(errors).toEqual([
      'param informer v1/ConfigMap: forbidden (HTTP 403): grant get, list and watch on /api/v1/configmaps to read params from the cluster; using policy-folder params meanwhile',
    ]);
    expect(names(lookups.params('v1', 'ConfigMap', 'team-a'))).toEqual(['team-a/from-folder']);
  });

  it('retries a failed discovery with backoff, then serves the kind', async () => {
    server = await startFakeApiserver([]);
    server.defineResource(REPLICA_LIMIT, [limit('lim', 'team-a', 3)]);
    server.failDiscoveries = 2;
    const errors: string[] = [];
    lookups = createLookups({
      kubeConfig: loadKubeConfig(server.kubeconfigPath),
      paramKinds: [{ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }],
      paramInformer: { retryMs: 20, onError: (m) => errors.push(m) },
    });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(errors).toEqual([
      'param informer rules.example.com/v1/ReplicaLimit: GET /apis/rules.example.com/v1: HTTP 500; retrying in 20ms',
      'param informer rules.example.com/v1/ReplicaLimit: GET /apis/rules.example.com/v1: HTTP 500; retrying in 40ms',
    ]);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-a')[0]?.maxReplicas).toBe(3);
  });

  it('update() starts informers for new kinds and stops the ones no longer used', async () => {
    server = await startFakeApiserver([]);
    const configMaps = server.defineResource(CONFIGMAP, [configMap('settings', 'team-a', {})]);
    const limits = server.defineResource(REPLICA_LIMIT, [limit('lim', 'team-a', 3)]);
    lookups = createLookups({ kubeConfig: loadKubeConfig(server.kubeconfigPath), paramKinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }] });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit')).toEqual([]);
    expect(limits.lists).toBe(0);

    lookups.update({ params: [configMap('folder', 'team-a', {})], paramKinds: [{ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }] });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(lookups.params('rules.example.com/v1', 'ReplicaLimit', 'team-a')[0]?.maxReplicas).toBe(3);
    // the ConfigMap informer is gone: only the folder object is left
    expect(names(lookups.params('v1', 'ConfigMap'))).toEqual(['team-a/folder']);
    await eventually(() => configMaps.watchers.size === 0 && limits.watchers.size === 1);

    // same kinds again: nothing restarts
    const listsBefore = limits.lists;
    lookups.update({ paramKinds: [{ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }] });
    expect(await lookups.ready(1000)).toBe(true);
    expect(limits.lists).toBe(listsBefore);
  });
});

describe('end to end: a ValidatingAdmissionPolicy with params from the cluster', () => {
  let server: FakeApiserver | undefined;
  let lookups: PortcullisLookups | undefined;
  afterEach(async () => {
    await lookups?.close();
    await server?.close();
  });

  it('the cluster ReplicaLimit decides, and a MODIFIED event changes the decision', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-params-'));
    await writeFile(
      path.join(dir, 'replica-limit.yaml'),
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= params.maxReplicas
    messageExpression: "'at most ' + string(params.maxReplicas) + ' replicas'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit}
spec:
  policyName: replica-limit
  validationActions: [Deny]
  paramRef: {name: lim, parameterNotFoundAction: Deny}
`,
    );
    const loaded = await loadPolicies({ dirs: [dir], config: emptyConfig() });
    expect(loaded.errors).toEqual([]);
    const paramKinds = paramKindsOf((await readPolicyFolders([dir])).documents.map((d) => d.doc));
    expect(paramKinds).toEqual([{ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }]);

    server = await startFakeApiserver([]);
    const limits = server.defineResource(REPLICA_LIMIT, [limit('lim', 'default', 3)]);
    lookups = createLookups({ kubeConfig: loadKubeConfig(server.kubeconfigPath), namespaces: loaded.namespaces, params: loaded.params, paramKinds });
    expect(await lookups.ready(20_000)).toBe(true);
    const policySet = new PolicySet(loaded.policies);

    const three = policySet.validate(deploymentRequest(deployment(3)), lookups, 'enforce');
    expect(three.allowed).toBe(true);
    const four = policySet.validate(deploymentRequest(deployment(4)), lookups, 'enforce');
    expect(four.allowed).toBe(false);
    expect(four.status?.message).toContain('at most 3 replicas');

    await eventually(() => limits.watchers.size === 1);
    limits.emit('MODIFIED', limit('lim', 'default', 5));
    await eventually(() => lookups!.params('rules.example.com/v1', 'ReplicaLimit', 'default')[0]?.maxReplicas === 5);
    expect(policySet.validate(deploymentRequest(deployment(4)), lookups, 'enforce').allowed).toBe(true);
    const six = policySet.validate(deploymentRequest(deployment(6)), lookups, 'enforce');
    expect(six.allowed).toBe(false);
    expect(six.status?.message).toContain('at most 5 replicas');
  });
});
