/**
 * Param resolution for CEL admission policies (paramKind on the policy, paramRef on the binding),
 * with the apiserver's rules:
 * - no paramKind, or a binding without paramRef: evaluate once with `params` null;
 * - paramRef.name: that one object; paramRef.selector: every object whose labels match (evaluated
 *   once per object); none found: parameterNotFoundAction Deny -> an error, Allow -> no evaluation;
 * - a namespaced paramKind is looked up in paramRef.namespace, else in the request's namespace; a
 *   cluster-scoped request then has no namespace to look in, which is an error.
 *
 * The apiserver knows each kind's scope from discovery. The lookups (src/kube/params.ts) use
 * discovery only to find what to watch, and offline there is none, so here a kind's scope comes
 * from the table of built-in kinds below, else from the param objects themselves (namespaced when
 * any carries metadata.namespace, or when paramRef names a namespace).
 */
import type { KubeObject } from '../admission/types.js';
import { compileLabelSelector } from '../engine/match.js';
import type { Lookups } from '../engine/types.js';
import type { ParamKind, ParamRef } from './vap-fields.js';

export type ParamsResult = { params: (KubeObject | null)[]; error?: undefined } | { params?: undefined; error: string };

/** Built-in kinds whose scope is known (the rest are inferred). */
const CLUSTER_SCOPED = new Set([
  'v1/Namespace', 'v1/Node', 'v1/PersistentVolume',
  'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition', 'storage.k8s.io/v1/StorageClass',
  'scheduling.k8s.io/v1/PriorityClass', 'node.k8s.io/v1/RuntimeClass', 'networking.k8s.io/v1/IngressClass',
]);
const NAMESPACED = new Set(['v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'v1/LimitRange', 'v1/ResourceQuota']);

export const PARAM_ERRORS = {
  namespacedForClusterRequest: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources',
  namespaceForClusterKind: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`',
  notFoundDeny: 'no params found for policy binding with `Deny` parameterNotFoundAction',
} as const;

function isNamespacedKind(paramKind: ParamKind, paramRef: ParamRef, all: readonly KubeObject[]): boolean {
  const key = `${paramKind.apiVersion}/${paramKind.kind}`;
  if (CLUSTER_SCOPED.has(key)) return false;
  if (NAMESPACED.has(key)) return true;
  if (paramRef.namespace) return true;
  return all.some((object) => Boolean(object.metadata?.namespace));
}

/** A compiled paramRef selector, kept per binding (compile once, evaluate many). */
const selectorCache = new WeakMap<ParamRef, (labels: Record<string, string> | undefined) => boolean>();

function selectorOf(paramRef: ParamRef): (labels: Record<string, string> | undefined) => boolean {
  let predicate = selectorCache.get(paramRef);
  if (!predicate) {
    predicate = compileLabelSelector(paramRef.selector);
    selectorCache.set(paramRef, predicate);
  }
  return predicate;
}

export function collectParams(
  paramKind: ParamKind | undefined,
  paramRef: ParamRef | undefined,
  requestNamespace: string,
  lookups: Lookups,
): ParamsResult {
  if (!paramKind || !paramRef) return { params: [null] };

  const all = lookups.params(paramKind.apiVersion, paramKind.kind);
  const namespaced = isNamespacedKind(paramKind, paramRef, all);
  let candidates: readonly KubeObject[];
  if (namespaced) {
    const namespace = paramRef.namespace || requestNamespace;
    if (!namespace) return { error: PARAM_ERRORS.namespacedForClusterRequest };
    candidates = lookups.params(paramKind.apiVersion, paramKind.kind, namespace);
  } else {
    if (paramRef.namespace) return { error: PARAM_ERRORS.namespaceForClusterKind };
    candidates = all;
  }

  let found: KubeObject[];
  if (paramRef.name) {
    const match = candidates.find((object) => object.metadata?.name === paramRef.name);
    found = match ? [match] : [];
  } else {
    const selects = selectorOf(paramRef);
    found = candidates.filter((object) => selects(object.metadata?.labels));
  }
  if (found.length === 0 && paramRef.parameterNotFoundAction === 'Deny') return { error: PARAM_ERRORS.notFoundDeny };
  return { params: found };
}
