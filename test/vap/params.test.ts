import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import { collectParams, PARAM_ERRORS } from '../../src/loaders/params.js';
import { lookups } from './helpers.js';

const limit = (name: string, namespace: string | undefined, maxReplicas: number, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'rules.example.com/v1',
  kind: 'ReplicaLimit',
  metadata: { name, ...(namespace ? { namespace } : {}), labels },
  maxReplicas,
});
const kind = { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' };

describe('collectParams', () => {
  it('without paramKind or paramRef: one evaluation with null params', () => {
    expect(collectParams(undefined, { name: 'x', parameterNotFoundAction: 'Deny' }, 'default', lookups())).toEqual({ params: [null] });
    expect(collectParams(kind, undefined, 'default', lookups())).toEqual({ params: [null] });
  });

  it('by name in the paramRef namespace', () => {
    const objects = [limit('lim', 'default', 3), limit('lim', 'other', 7)];
    const result = collectParams(kind, { name: 'lim', namespace: 'other', parameterNotFoundAction: 'Deny' }, 'default', lookups(objects));
    expect(result.params?.map((p) => p?.maxReplicas)).toEqual([7]);
  });

  it('a namespaced kind defaults to the request namespace', () => {
    const objects = [limit('lim', 'default', 3), limit('lim', 'other', 7)];
    const result = collectParams(kind, { name: 'lim', parameterNotFoundAction: 'Deny' }, 'other', lookups(objects));
    expect(result.params?.map((p) => p?.maxReplicas)).toEqual([7]);
  });

  it('a namespaced kind with no namespace to look in is an error', () => {
    const objects = [limit('lim', 'default', 3)];
    expect(collectParams(kind, { name: 'lim', parameterNotFoundAction: 'Allow' }, '', lookups(objects))).toEqual({
      error: PARAM_ERRORS.namespacedForClusterRequest,
    });
    expect(PARAM_ERRORS.namespacedForClusterRequest).toBe('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  });

  it('ConfigMaps are namespaced even when none exist yet', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap' };
    expect(collectParams(configMap, { name: 'x', parameterNotFoundAction: 'Allow' }, '', lookups())).toEqual({
      error: PARAM_ERRORS.namespacedForClusterRequest,
    });
  });

  it('cluster-scoped kinds ignore the request namespace and refuse paramRef.namespace', () => {
    const objects = [limit('global', undefined, 9)];
    expect(collectParams(kind, { name: 'global', parameterNotFoundAction: 'Deny' }, 'default', lookups(objects)).params?.map((p) => p?.maxReplicas)).toEqual([9]);
    const namespaceKind = { apiVersion: 'v1', kind: 'Namespace' };
    expect(collectParams(namespaceKind, { name: 'x', namespace: 'default', parameterNotFoundAction: 'Deny' }, 'default', lookups())).toEqual({
      error: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`',
    });
  });

  it('not found: Deny is an error, Allow evaluates nothing', () => {
    expect(collectParams(kind, { name: 'missing', namespace: 'default', parameterNotFoundAction: 'Deny' }, 'default', lookups())).toEqual({
      error: 'no params found for policy binding with `Deny` parameterNotFoundAction',
    });
    expect(collectParams(kind, { name: 'missing', namespace: 'default', parameterNotFoundAction: 'Allow' }, 'default', lookups())).toEqual({ params: [] });
  });

  it('selector: every matching object, in the namespace', () => {
    const objects = [
      limit('a', 'default', 1, { tier: 'gold' }),
      limit('b', 'default', 2, { tier: 'silver' }),
      limit('c', 'default', 3, { tier: 'gold' }),
      limit('d', 'other', 4, { tier: 'gold' }),
    ];
    const ref = { selector: { matchLabels: { tier: 'gold' } }, parameterNotFoundAction: 'Deny' as const };
    expect(collectParams(kind, ref, 'default', lookups(objects)).params?.map((p) => p?.metadata?.name)).toEqual(['a', 'c']);
    const everything = { selector: {}, parameterNotFoundAction: 'Deny' as const };
    expect(collectParams(kind, everything, 'default', lookups(objects)).params?.map((p) => p?.metadata?.name)).toEqual(['a', 'b', 'c']);
    const none = { selector: { matchLabels: { tier: 'bronze' } }, parameterNotFoundAction: 'Deny' as const };
    expect(collectParams(kind, none, 'default', lookups(objects))).toEqual({ error: PARAM_ERRORS.notFoundDeny });
  });
});
