import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import { AuditInputError } from '../../src/audit/errors.js';
import { AuditLookups, parseNamespaceLabels } from '../../src/audit/lookups.js';
import { buildRequest, buildRequests } from '../../src/audit/requests.js';
import { guessResource, ResourceCatalog } from '../../src/audit/resources.js';

const catalog = new ResourceCatalog();

describe('buildRequest', () => {
  it('makes a CREATE request with GVK, GVR, name, default namespace and the audit user', () => {
    const object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} };
    const request = buildRequest(object, { catalog });
    expect(request).toMatchObject({
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'web',
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'portcullis-audit' },
      oldObject: null,
      dryRun: true,
      options: { kind: 'CreateOptions' },
    });
    // the object carries the namespace the apiserver would have filled in; the input is untouched
    expect(request.object?.metadata?.namespace).toBe('default');
    expect(object.metadata).toEqual({ name: 'web' });
  });

  it('leaves cluster-scoped kinds without namespace, even when the manifest sets one', () => {
    for (const [apiVersion, kind, resource] of [
      ['v1', 'Namespace', 'namespaces'],
      ['v1', 'Node', 'nodes'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles'],
      ['storage.k8s.io/v1', 'StorageClass', 'storageclasses'],
    ] as const) {
      const request = buildRequest({ apiVersion, kind, metadata: { name: 'x', namespace: 'ignored' } }, { catalog });
      expect(request.namespace).toBeUndefined();
      expect(request.resource.resource).toBe(resource);
    }
  });

  it('sends DELETE with the manifest as oldObject', () => {
    const request = buildRequest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' } }, { catalog, operation: 'DELETE' });
    expect(request.object).toBeNull();
    expect(request.oldObject?.metadata?.name).toBe('p');
    expect(request.options).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' });
  });

  it('guesses resource and scope of unknown kinds, and learns them from CRDs in the input', () => {
    expect(['Policy', 'Ingress', 'Gateway', 'Box', 'Mesh', 'Day'].map(guessResource)).toEqual(['policies', 'ingresses', 'gateways', 'boxes', 'meshes', 'days']);
    const own = new ResourceCatalog();
    expect(buildRequest({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'x' } }, { catalog: own }).namespace).toBeUndefined();
    expect(buildRequest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } }, { catalog: own }).resource.resource).toBe('widgets');
    own.learnDefinitions([
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget', plural: 'widgetz' } } },
    ]);
    const learned = buildRequest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'n' } }, { catalog: own });
    expect(learned.resource.resource).toBe('widgetz');
    expect(learned.namespace).toBeUndefined();
  });
});

describe('buildRequests (UPDATE)', () => {
  const current = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '2' } };
  const sourced = (object: KubeObject, line = 1) => ({ object, file: 'new.yaml', line });

  it('pairs each object with its old version by kind, namespace and name', () => {
    const old = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };
    const [request] = buildRequests([sourced(current)], { operation: 'UPDATE', oldObjects: [sourced(old)], catalog });
    expect(request?.operation).toBe('UPDATE');
    expect(request?.oldObject).toEqual(old);
    expect(request?.options).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' });
  });

  it('names the object that has no old version', () => {
    let error: unknown;
    try {
      buildRequests([sourced(current, 7)], { operation: 'UPDATE', oldObjects: [], catalog });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuditInputError);
    expect((error as AuditInputError).code).toBe('OLD_OBJECT_MISSING');
    expect((error as Error).message).toBe(
      'new.yaml:7: no old version of ConfigMap n/c in --old (UPDATE pairs objects by kind, namespace and name)',
    );
  });
});

describe('namespace labels', () => {
  it('parses NS:KEY=VALUE,... and merges repeated namespaces', () => {
    const parsed = parseNamespaceLabels(['prod:pod-security.kubernetes.io/enforce=restricted,team=a', 'prod:tier=web', 'dev:x=']);
    expect(Object.fromEntries(parsed)).toEqual({
      prod: { 'pod-security.kubernetes.io/enforce': 'restricted', team: 'a', tier: 'web' },
      dev: { x: '' },
    });
  });

  it('rejects malformed specs with the exact reason', () => {
    const message = (spec: string): string => {
      try {
        parseNamespaceLabels([spec]);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    const hint = '(expected NAMESPACE:KEY=VALUE[,KEY=VALUE...])';
    expect(message('team=a')).toBe(`--namespace-labels 'team=a': no namespace before ":" ${hint}`);
    expect(message('Prod:a=b')).toBe(`--namespace-labels 'Prod:a=b': 'Prod' is not a valid namespace name ${hint}`);
    expect(message('prod:')).toBe(`--namespace-labels 'prod:': no labels after ":" ${hint}`);
    expect(message('prod:a')).toBe(`--namespace-labels 'prod:a': 'a' is not KEY=VALUE ${hint}`);
    expect(message('prod:a=b=c')).toBe(`--namespace-labels 'prod:a=b=c': 'a=b=c' has more than one "=" ${hint}`);
  });

  it('lookups merge flag labels over Namespace objects and invent unknown namespaces offline only', () => {
    const lookups = new AuditLookups({
      namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { x: '1', y: '1' } } }],
      extraLabels: new Map<string, Record<string, string>>([['a', { y: '2' }], ['b', { z: '3' }]]),
    });
    expect(lookups.namespace('a')?.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'a', x: '1', y: '2' });
    expect(lookups.namespace('b')?.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'b', z: '3' });
    expect(lookups.namespace('c')?.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'c' });
    expect(new AuditLookups({ synthesize: false }).namespace('c')).toBeUndefined();
  });
});
