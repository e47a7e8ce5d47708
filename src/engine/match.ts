/**
 * Request matching shared by every policy kind, with the kube-apiserver's semantics
 * (admission/plugin/webhook/predicates and admission/plugin/policy/matching):
 *
 * - a rule matches when scope, operation, group, version and resource/subresource all match,
 *   `*` being a wildcard in each list and in either half of `resource/subresource`;
 * - `resourceNames` narrows a rule to objects of those names (empty = any name);
 * - with matchPolicy Equivalent (the default) a request that no rule matches is retried as each
 *   equivalent group/version of the same resource (see match-equivalents.ts), and the match
 *   reports the rule's version so the policy sees the request "converted" to it;
 * - excludeResourceRules win over resourceRules; empty resourceRules match everything;
 * - namespaceSelector is ignored for cluster-scoped objects except Namespace objects, which are
 *   selected by their own labels; objectSelector matches if either object or oldObject matches.
 *
 * Pure and synchronous: selectors are compiled once with compileMatchResources.
 */
import type { AdmissionRequest, GroupVersionKind, GroupVersionResource, KubeObject } from '../admission/types.js';
import { equivalentResourcesFor, kindFor } from './match-equivalents.js';
import { compileLabelSelector, isEmptySelector, type LabelPredicate, type LabelSelector } from './match-selector.js';
import type { ResourceRule } from './types.js';

export { compileLabelSelector, isEmptySelector, matchesLabelSelector } from './match-selector.js';
export type { LabelPredicate, LabelSelector, LabelSelectorRequirement } from './match-selector.js';
export { equivalentResourcesFor, kindFor } from './match-equivalents.js';

export type MatchPolicy = 'Equivalent' | 'Exact';

/** What a rule matched: the resource and kind as the rule sees them (differs from the request's with Equivalent). */
export interface ResourceMatch {
  resource: GroupVersionResource;
  kind: GroupVersionKind;
  /** true when the match went through an equivalent group/version */
  equivalent: boolean;
}

function exactOrWildcard(items: readonly string[], requested: string): boolean {
  for (const item of items) if (item === '*' || item === requested) return true;
  return false;
}

function isNamespaceResource(resource: GroupVersionResource): boolean {
  return resource.group === '' && resource.version === 'v1' && resource.resource === 'namespaces';
}

function scopeMatches(rule: ResourceRule, resource: GroupVersionResource, namespace: string): boolean {
  const scope = rule.scope ?? '*';
  if (scope === '*') return true;
  // Namespace objects are cluster-scoped even though the apiserver gives their requests a namespace.
  if (scope === 'Namespaced') return !isNamespaceResource(resource) && namespace !== '';
  if (scope === 'Cluster') return isNamespaceResource(resource) || namespace === '';
  return false;
}

function resourceMatches(rule: ResourceRule, resource: string, subresource: string): boolean {
  for (const entry of rule.resources) {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

/** One rule against one group/version/resource (the request's, or an equivalent). */
export function ruleMatches(rule: ResourceRule, request: AdmissionRequest, resource: GroupVersionResource = request.resource): boolean {
  return (
    scopeMatches(rule, resource, request.namespace ?? '') &&
    (rule.operations.includes('*') || rule.operations.includes(request.operation)) &&
    exactOrWildcard(rule.apiGroups, resource.group) &&
    exactOrWildcard(rule.apiVersions, resource.version) &&
    resourceMatches(rule, resource.resource, request.subResource ?? '')
  );
}

function nameMatches(rule: ResourceRule, request: AdmissionRequest): boolean {
  const names = rule.resourceNames;
  // An empty list matches any name; a generated name (empty at CREATE) never matches a named rule.
  return !names || names.length === 0 || names.includes(request.name ?? '');
}

/**
 * The first rule that matches the request, and the resource/kind it matched as; undefined when
 * none does. With Equivalent, every rule is first tried against the request as sent, then against
 * each equivalent group/version (as the apiserver does).
 */
export function matchResourceRules(
  rules: readonly ResourceRule[],
  request: AdmissionRequest,
  matchPolicy: MatchPolicy = 'Equivalent',
): ResourceMatch | undefined {
  if (rules.length === 0) return undefined;
  for (const rule of rules) {
    if (ruleMatches(rule, request) && nameMatches(rule, request)) {
      return { resource: request.resource, kind: request.kind, equivalent: false };
    }
  }
  if (matchPolicy === 'Exact') return undefined;
  const subresource = request.subResource ?? '';
  const equivalents = equivalentResourcesFor(request.resource, subresource);
  if (equivalents.length < 2) return undefined;
  for (const rule of rules) {
    for (const equivalent of equivalents) {
      if (sameResource(equivalent, request.resource)) continue;
      if (!ruleMatches(rule, request, equivalent) || !nameMatches(rule, request)) continue;
      const kind = kindFor(equivalent, subresource);
      if (!kind) continue;
      return { resource: equivalent, kind, equivalent: true };
    }
  }
  return undefined;
}

/** API 2: does any rule match the request (Equivalent unless told otherwise)? */
export function matchesResourceRules(rules: readonly ResourceRule[], request: AdmissionRequest, matchPolicy: MatchPolicy = 'Equivalent'): boolean {
  return matchResourceRules(rules, request, matchPolicy) !== undefined;
}

function sameResource(a: GroupVersionResource, b: GroupVersionResource): boolean {
  return a.group === b.group && a.version === b.version && a.resource === b.resource;
}

// ---------------------------------------------------------------------------------------------
// matchConstraints / matchResources

/** admissionregistration.k8s.io/v1 MatchResources, as written in YAML. */
export interface MatchResourcesSpec {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: ResourceRule[];
  excludeResourceRules?: ResourceRule[];
  matchPolicy?: MatchPolicy;
}

export interface CompiledMatchResources {
  readonly resourceRules: readonly ResourceRule[];
  readonly excludeResourceRules: readonly ResourceRule[];
  readonly matchPolicy: MatchPolicy;
  readonly namespaceSelector: LabelPredicate;
  readonly namespaceSelectorEmpty: boolean;
  readonly objectSelector: LabelPredicate;
  readonly objectSelectorEmpty: boolean;
}

export function compileMatchResources(spec: MatchResourcesSpec | undefined): CompiledMatchResources {
  return {
    resourceRules: spec?.resourceRules ?? [],
    excludeResourceRules: spec?.excludeResourceRules ?? [],
    matchPolicy: spec?.matchPolicy ?? 'Equivalent',
    namespaceSelector: compileLabelSelector(spec?.namespaceSelector),
    namespaceSelectorEmpty: isEmptySelector(spec?.namespaceSelector),
    objectSelector: compileLabelSelector(spec?.objectSelector),
    objectSelectorEmpty: isEmptySelector(spec?.objectSelector),
  };
}

/** Where namespace labels come from: the cached Namespace of the request (null when unknown). */
export interface NamespaceSource {
  namespaceObject: KubeObject | null;
  /** used for Namespace requests, whose labels come from the cache when the object carries none (DELETE) */
  namespace?(name: string): KubeObject | undefined;
}

function labelsOf(object: KubeObject | null | undefined): Record<string, string> | undefined {
  return object?.metadata?.labels;
}

/**
 * The labels namespaceSelector is matched against, or `null` when the selector does not apply
 * (cluster-scoped objects other than Namespaces are never excluded by a namespaceSelector).
 */
export function namespaceLabelsFor(request: AdmissionRequest, source: NamespaceSource): Record<string, string> | undefined | null {
  const namespacesRequest = request.resource.resource === 'namespaces' && request.resource.group === '';
  if (!namespacesRequest) {
    if (!request.namespace) return null;
    return labelsOf(source.namespaceObject);
  }
  // A Namespace being created or updated is judged by its new labels: the cache does not have them yet.
  if (!request.subResource && (request.operation === 'CREATE' || request.operation === 'UPDATE')) {
    return labelsOf(request.object);
  }
  const name = request.name || request.namespace || '';
  return labelsOf(source.namespace?.(name) ?? null) ?? labelsOf(request.oldObject);
}

export function namespaceSelectorMatches(match: CompiledMatchResources, request: AdmissionRequest, source: NamespaceSource): boolean {
  if (match.namespaceSelectorEmpty) return true;
  const labels = namespaceLabelsFor(request, source);
  return labels === null ? true : match.namespaceSelector(labels);
}

export function objectSelectorMatches(match: CompiledMatchResources, request: AdmissionRequest): boolean {
  if (match.objectSelectorEmpty) return true;
  // Absent objects (a CREATE's oldObject, a DELETE's object) never match a non-empty selector.
  const matchesObject = (object: KubeObject | null | undefined): boolean => object != null && match.objectSelector(labelsOf(object));
  return matchesObject(request.object) || matchesObject(request.oldObject);
}

/**
 * The full MatchResources check: selectors, then exclusions, then resource rules. Returns what the
 * request matched as (for the `request` the policy sees), or undefined when it does not match.
 */
export function matchRequest(match: CompiledMatchResources, request: AdmissionRequest, source: NamespaceSource): ResourceMatch | undefined {
  if (!namespaceSelectorMatches(match, request, source)) return undefined;
  if (!objectSelectorMatches(match, request)) return undefined;
  if (matchResourceRules(match.excludeResourceRules, request, match.matchPolicy)) return undefined;
  if (match.resourceRules.length === 0) return { resource: request.resource, kind: request.kind, equivalent: false };
  return matchResourceRules(match.resourceRules, request, match.matchPolicy);
}
