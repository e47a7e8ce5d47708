import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import {
  compileMatchResources,
  equivalentResourcesFor,
  kindFor,
  matchRequest,
  matchResourceRules,
  matchesLabelSelector,
  matchesResourceRules,
  namespaceLabelsFor,
  type MatchResourcesSpec,
} from '../../src/engine/match.js';
import type { ResourceRule } from '../../src/engine/types.js';

function request(overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    name: 'web',
    namespace: 'default',
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    object: { metadata: { name: 'web', labels: { app: 'web' } } },
    oldObject: null,
    ...overrides,
  };
}

const podRequest = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest =>
  request({ kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, ...overrides });

function rule(overrides: Partial<ResourceRule> = {}): ResourceRule {
  return { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], ...overrides };
}

describe('resource rules', () => {
  it('matches group, version, resource and operation exactly', () => {
    expect(matchesResourceRules([rule()], request())).toBe(true);
    expect(matchesResourceRules([rule()], request({ operation: 'DELETE' }))).toBe(false);
    expect(matchesResourceRules([rule({ apiGroups: ['batch'] })], request())).toBe(false);
    expect(matchesResourceRules([rule({ apiVersions: ['v2'] })], request(), 'Exact')).toBe(false);
    expect(matchesResourceRules([rule({ resources: ['statefulsets'] })], request())).toBe(false);
  });

  it('treats * as a wildcard in groups, versions, resources and operations', () => {
    const any = rule({ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['*'] });
    expect(matchesResourceRules([any], request({ operation: 'DELETE' }))).toBe(true);
    expect(matchesResourceRules([any], podRequest({ operation: 'CONNECT' }))).toBe(true);
  });

  it('matches the empty core group only when listed', () => {
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods'] })], podRequest())).toBe(true);
    expect(matchesResourceRules([rule({ apiGroups: ['apps'], resources: ['pods'] })], podRequest())).toBe(false);
  });

  it('a plain resource does not match its subresources, and vice versa', () => {
    const status = podRequest({ subResource: 'status', operation: 'UPDATE' });
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods'] })], status)).toBe(false);
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/status'] })], status)).toBe(true);
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/status'] })], podRequest({ operation: 'UPDATE' }))).toBe(false);
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/log'] })], status)).toBe(false);
  });

  it('supports pods/*, */scale, * and */*', () => {
    const exec = podRequest({ subResource: 'exec', operation: 'CONNECT' });
    const ops: ResourceRule['operations'] = ['*'];
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/*'], operations: ops })], exec)).toBe(true);
    // as in the apiserver, a `/*` subresource wildcard also matches the resource itself
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/*'], operations: ops })], podRequest())).toBe(true);
    expect(matchesResourceRules([rule({ apiGroups: [''], resources: ['pods/*'], operations: ops })], request())).toBe(false);
    const scale = request({ subResource: 'scale', operation: 'UPDATE' });
    expect(matchesResourceRules([rule({ resources: ['*/scale'] })], scale)).toBe(true);
    expect(matchesResourceRules([rule({ resources: ['*/scale'] })], request())).toBe(false);
    expect(matchesResourceRules([rule({ resources: ['*'] })], scale)).toBe(false);
    expect(matchesResourceRules([rule({ resources: ['*'] })], request())).toBe(true);
    expect(matchesResourceRules([rule({ resources: ['*/*'] })], scale)).toBe(true);
    expect(matchesResourceRules([rule({ resources: ['*/*'] })], request())).toBe(true);
  });

  it('scope Namespaced / Cluster / *', () => {
    const namespaced = rule({ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['*'], scope: 'Namespaced' });
    const cluster = { ...namespaced, scope: 'Cluster' as const };
    const all = { ...namespaced, scope: '*' as const };
    const node = request({ resource: { group: '', version: 'v1', resource: 'nodes' }, namespace: undefined });
    const ns = request({ resource: { group: '', version: 'v1', resource: 'namespaces' }, namespace: 'team-a', name: 'team-a' });
    expect(matchesResourceRules([namespaced], request())).toBe(true);
    expect(matchesResourceRules([namespaced], node)).toBe(false);
    expect(matchesResourceRules([cluster], node)).toBe(true);
    expect(matchesResourceRules([cluster], request())).toBe(false);
    // Namespace objects are cluster-scoped even when the request carries their name as namespace
    expect(matchesResourceRules([namespaced], ns)).toBe(false);
    expect(matchesResourceRules([cluster], ns)).toBe(true);
    expect(matchesResourceRules([all], node)).toBe(true);
    expect(matchesResourceRules([all], request())).toBe(true);
  });

  it('resourceNames narrows a rule to named objects', () => {
    const named = rule({ resourceNames: ['web', 'api'] });
    expect(matchesResourceRules([named], request())).toBe(true);
    expect(matchesResourceRules([named], request({ name: 'db' }))).toBe(false);
    expect(matchesResourceRules([named], request({ name: undefined }))).toBe(false);
    expect(matchesResourceRules([rule({ resourceNames: [] })], request({ name: 'db' }))).toBe(true);
  });

  it('any of several rules may match', () => {
    expect(matchesResourceRules([rule({ resources: ['statefulsets'] }), rule()], request())).toBe(true);
    expect(matchesResourceRules([], request())).toBe(false);
  });
});

describe('matchPolicy Equivalent vs Exact', () => {
  const legacy = request({
    kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
    resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
  });

  it('Equivalent matches a legacy group/version and reports the rule version', () => {
    expect(matchResourceRules([rule()], legacy, 'Equivalent')).toEqual({
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      equivalent: true,
    });
    expect(matchesResourceRules([rule()], legacy)).toBe(true);
  });

  it('Exact does not', () => {
    expect(matchResourceRules([rule()], legacy, 'Exact')).toBeUndefined();
  });

  it('a direct match is reported as the request resource', () => {
    expect(matchResourceRules([rule()], request(), 'Equivalent')).toEqual({
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      equivalent: false,
    });
  });

  it('converts the other way too (rule on apps/v1beta1, request on apps/v1)', () => {
    const m = matchResourceRules([rule({ apiVersions: ['v1beta1'] })], request());
    expect(m?.resource).toEqual({ group: 'apps', version: 'v1beta1', resource: 'deployments' });
    expect(m?.kind).toEqual({ group: 'apps', version: 'v1beta1', kind: 'Deployment' });
  });

  it.each([
    ['daemonsets', 'extensions', 'v1beta1', 'apps', 'v1', 'DaemonSet'],
    ['replicasets', 'apps', 'v1beta2', 'apps', 'v1', 'ReplicaSet'],
    ['statefulsets', 'apps', 'v1beta1', 'apps', 'v1', 'StatefulSet'],
    ['cronjobs', 'batch', 'v1beta1', 'batch', 'v1', 'CronJob'],
    ['ingresses', 'extensions', 'v1beta1', 'networking.k8s.io', 'v1', 'Ingress'],
    ['poddisruptionbudgets', 'policy', 'v1beta1', 'policy', 'v1', 'PodDisruptionBudget'],
  ])('%s: %s/%s matches a rule for %s/%s', (resource, group, version, ruleGroup, ruleVersion, kind) => {
    const req = request({ kind: { group, version, kind }, resource: { group, version, resource } });
    const r = rule({ apiGroups: [ruleGroup], apiVersions: [ruleVersion], resources: [resource] });
    expect(matchResourceRules([r], req, 'Exact')).toBeUndefined();
    expect(matchResourceRules([r], req, 'Equivalent')?.kind).toEqual({ group: ruleGroup, version: ruleVersion, kind });
  });

  it('statefulsets were never served by extensions/v1beta1', () => {
    expect(equivalentResourcesFor({ group: 'apps', version: 'v1', resource: 'statefulsets' }).map((r) => `${r.group}/${r.version}`)).toEqual([
      'apps/v1',
      'apps/v1beta2',
      'apps/v1beta1',
    ]);
  });

  it('the scale subresource maps to each version’s Scale kind', () => {
    const scale = { ...legacy, subResource: 'scale', operation: 'UPDATE' as const };
    const m = matchResourceRules([rule({ resources: ['deployments/scale'] })], scale);
    expect(m?.kind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(kindFor({ group: 'extensions', version: 'v1beta1', resource: 'deployments' }, 'scale')).toEqual({ group: 'extensions', version: 'v1beta1', kind: 'Scale' });
    expect(kindFor({ group: 'apps', version: 'v1', resource: 'deployments' }, 'status')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
  });

  it('unknown resources (custom resources) are only equivalent to themselves', () => {
    const crd = request({ kind: { group: 'example.com', version: 'v1beta1', kind: 'Widget' }, resource: { group: 'example.com', version: 'v1beta1', resource: 'widgets' } });
    expect(matchesResourceRules([rule({ apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] })], crd)).toBe(false);
    expect(equivalentResourcesFor(crd.resource)).toEqual([crd.resource]);
  });

  it('resourceNames still applies to equivalent matches', () => {
    expect(matchesResourceRules([rule({ resourceNames: ['other'] })], legacy)).toBe(false);
    expect(matchesResourceRules([rule({ resourceNames: ['web'] })], legacy)).toBe(true);
  });
});

describe('label selectors', () => {
  const labels = { env: 'prod', tier: 'web' };
  it('empty or absent selectors match everything', () => {
    expect(matchesLabelSelector(undefined, undefined)).toBe(true);
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: {}, matchExpressions: [] }, undefined)).toBe(true);
  });
  it('matchLabels requires every pair', () => {
    expect(matchesLabelSelector({ matchLabels: { env: 'prod' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { env: 'prod', tier: 'db' } }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchLabels: { env: 'prod' } }, undefined)).toBe(false);
  });
  it('In / NotIn / Exists / DoesNotExist', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'missing', operator: 'In', values: ['x'] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'missing', operator: 'Exists' }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'missing', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, undefined)).toBe(true);
  });
  it('matchLabels and matchExpressions are ANDed', () => {
    const selector = { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] };
    expect(matchesLabelSelector(selector, labels)).toBe(false);
    expect(matchesLabelSelector(selector, { env: 'prod', tier: 'db' })).toBe(true);
  });
  it('an unknown operator selects nothing', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'Gt', values: ['1'] }] }, labels)).toBe(false);
  });
});

describe('matchRequest (MatchResources)', () => {
  const testNs: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { environment: 'test' } } };
  const prodNs: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { environment: 'prod' } } };
  const spec = (extra: MatchResourcesSpec = {}): MatchResourcesSpec => ({ resourceRules: [rule()], ...extra });

  it('namespaceSelector uses the namespace labels', () => {
    const m = compileMatchResources(spec({ namespaceSelector: { matchLabels: { environment: 'test' } } }));
    expect(matchRequest(m, request(), { namespaceObject: testNs })).toBeDefined();
    expect(matchRequest(m, request(), { namespaceObject: prodNs })).toBeUndefined();
    // unknown namespace: no labels
    expect(matchRequest(m, request(), { namespaceObject: null })).toBeUndefined();
  });

  it('namespaceSelector is ignored for cluster-scoped objects', () => {
    const m = compileMatchResources({
      resourceRules: [rule({ apiGroups: [''], resources: ['nodes'] })],
      namespaceSelector: { matchLabels: { environment: 'test' } },
    });
    const node = request({ resource: { group: '', version: 'v1', resource: 'nodes' }, namespace: undefined });
    expect(matchRequest(m, node, { namespaceObject: null })).toBeDefined();
  });

  it('Namespace objects are selected by their own labels (new labels on CREATE/UPDATE)', () => {
    const m = compileMatchResources({
      resourceRules: [rule({ apiGroups: [''], resources: ['namespaces'], operations: ['*'] })],
      namespaceSelector: { matchLabels: { environment: 'test' } },
    });
    const nsReq = (object: KubeObject | null, operation: AdmissionRequest['operation'], oldObject: KubeObject | null = null) =>
      request({ resource: { group: '', version: 'v1', resource: 'namespaces' }, namespace: undefined, name: 'default', object, oldObject, operation });
    expect(matchRequest(m, nsReq(testNs, 'CREATE'), { namespaceObject: null })).toBeDefined();
    expect(matchRequest(m, nsReq(prodNs, 'CREATE'), { namespaceObject: null })).toBeUndefined();
    // UPDATE relabelling prod -> test: the new labels count
    expect(matchRequest(m, nsReq(testNs, 'UPDATE', prodNs), { namespaceObject: null, namespace: () => prodNs })).toBeDefined();
    // DELETE: the cached namespace, else the old object
    expect(matchRequest(m, nsReq(null, 'DELETE', prodNs), { namespaceObject: null, namespace: () => testNs })).toBeDefined();
    expect(matchRequest(m, nsReq(null, 'DELETE', testNs), { namespaceObject: null })).toBeDefined();
    expect(matchRequest(m, nsReq(null, 'DELETE', prodNs), { namespaceObject: null })).toBeUndefined();
    expect(namespaceLabelsFor(nsReq(testNs, 'CREATE'), { namespaceObject: null })).toEqual({ environment: 'test' });
  });

  it('objectSelector matches object or oldObject labels', () => {
    const m = compileMatchResources(spec({ objectSelector: { matchLabels: { app: 'web' } } }));
    expect(matchRequest(m, request(), { namespaceObject: null })).toBeDefined();
    expect(matchRequest(m, request({ object: { metadata: { labels: { app: 'db' } } } }), { namespaceObject: null })).toBeUndefined();
    const relabel = request({ operation: 'UPDATE', object: { metadata: { labels: { app: 'db' } } }, oldObject: { metadata: { labels: { app: 'web' } } } });
    expect(matchRequest(m, relabel, { namespaceObject: null })).toBeDefined();
    const deletion = request({ operation: 'DELETE', object: null, oldObject: { metadata: { labels: { app: 'web' } } } });
    expect(matchRequest(compileMatchResources(spec({ objectSelector: { matchLabels: { app: 'web' } } })), { ...deletion }, { namespaceObject: null })).toBeUndefined();
    const m2 = compileMatchResources({ resourceRules: [rule({ operations: ['DELETE'] })], objectSelector: { matchLabels: { app: 'web' } } });
    expect(matchRequest(m2, deletion, { namespaceObject: null })).toBeDefined();
  });

  it('objectSelector DoesNotExist matches an object without labels but not a missing object', () => {
    const m = compileMatchResources({
      resourceRules: [rule({ operations: ['*'] })],
      objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] },
    });
    expect(matchRequest(m, request({ object: { metadata: {} } }), { namespaceObject: null })).toBeDefined();
    expect(matchRequest(m, request({ object: null, oldObject: null, operation: 'DELETE' }), { namespaceObject: null })).toBeUndefined();
  });

  it('excludeResourceRules win over resourceRules', () => {
    const m = compileMatchResources(spec({ excludeResourceRules: [rule({ resourceNames: ['web'] })] }));
    expect(matchRequest(m, request(), { namespaceObject: null })).toBeUndefined();
    expect(matchRequest(m, request({ name: 'api' }), { namespaceObject: null })).toBeDefined();
  });

  it('exclusions follow matchPolicy too', () => {
    const legacy = request({ resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' } });
    const excluded = compileMatchResources({ resourceRules: [rule({ apiGroups: ['*'], apiVersions: ['*'] })], excludeResourceRules: [rule()] });
    expect(matchRequest(excluded, legacy, { namespaceObject: null })).toBeUndefined();
    const exact = compileMatchResources({ resourceRules: [rule({ apiGroups: ['*'], apiVersions: ['*'] })], excludeResourceRules: [rule()], matchPolicy: 'Exact' });
    expect(matchRequest(exact, legacy, { namespaceObject: null })).toBeDefined();
  });

  it('no resourceRules matches every resource (bindings without rules)', () => {
    const m = compileMatchResources({ namespaceSelector: { matchLabels: { environment: 'test' } } });
    expect(matchRequest(m, podRequest(), { namespaceObject: testNs })).toEqual({
      resource: { group: '', version: 'v1', resource: 'pods' },
      kind: { group: '', version: 'v1', kind: 'Pod' },
      equivalent: false,
    });
    expect(matchRequest(compileMatchResources(undefined), podRequest(), { namespaceObject: null })).toBeDefined();
  });
});
