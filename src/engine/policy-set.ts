/**
 * The loaded policies, indexed so that a review only touches policies that can match it.
 * The index key is the resource name alone (not the group): with matchPolicy Equivalent a rule for
 * apps/v1 deployments also matches extensions/v1beta1 deployments, so the precise check (groups,
 * versions, operations, selectors, conditions) stays inside each policy.
 */
import type { AdmissionRequest, KubeObject } from '../admission/types.js';
import { checkMutatedObject, createPatch, type JsonPatchOperation } from '../admission/patch.js';
import { combine, type Decision } from './combine.js';
import type { Finding, Lookups, Policy, ReviewContext, ServerMode } from './types.js';

export type { Decision } from './combine.js';

export interface MutationDecision extends Decision {
  patch: JsonPatchOperation[];
  /** the object after every mutation (present when something changed) */
  object?: KubeObject;
}

const ANY = '*';

function resourceKey(resource: string): string {
  const main = resource.split('/')[0] ?? resource;
  return main === '' ? ANY : main;
}

export class PolicySet {
  readonly policies: readonly Policy[];
  private readonly byResource = new Map<string, Policy[]>();
  private readonly wildcard: Policy[] = [];
  private readonly cache = new Map<string, Policy[]>();

  constructor(policies: readonly Policy[]) {
    this.policies = policies;
    for (const policy of policies) {
      const keys = new Set(policy.rules.flatMap((rule) => rule.resources.map(resourceKey)));
      if (keys.has(ANY)) {
        this.wildcard.push(policy);
        continue;
      }
      for (const key of keys) {
        const list = this.byResource.get(key);
        if (list) list.push(policy);
        else this.byResource.set(key, [policy]);
      }
    }
  }

  /** Policies that can match the request's resource, in load order. */
  candidates(request: AdmissionRequest): Policy[] {
    const key = request.resource.resource;
    let found = this.cache.get(key);
    if (!found) {
      const specific = new Set(this.byResource.get(key) ?? []);
      found = this.policies.filter((p) => specific.has(p) || this.wildcard.includes(p));
      this.cache.set(key, found);
    }
    return found;
  }

  validate(request: AdmissionRequest, lookups: Lookups, mode: ServerMode): Decision {
    const ctx = reviewContext(request, lookups);
    const findings: Finding[] = [];
    const annotations: Record<string, string> = {};
    for (const policy of this.candidates(request)) {
      if (!policy.validate) continue;
      try {
        const result = policy.validate(ctx);
        for (const finding of result.findings) findings.push(finding);
        if (result.auditAnnotations) mergeAnnotations(annotations, result.auditAnnotations);
      } catch (error) {
        // Policies apply their own failurePolicy; reaching here is a bug in an adapter, so fail closed.
        findings.push(internalFailure(policy, error));
      }
    }
    return combine(findings, annotations, mode);
  }

  mutate(request: AdmissionRequest, lookups: Lookups, mode: ServerMode): MutationDecision {
    const original = request.object;
    const ctx = reviewContext(request, lookups);
    const findings: Finding[] = [];
    if (!original || request.operation === 'DELETE' || request.operation === 'CONNECT') {
      return { ...combine(findings, {}, mode), patch: [] };
    }
    let current: KubeObject = original;
    for (const policy of this.candidates(request)) {
      if (!policy.mutate) continue;
      try {
        const result = policy.mutate({ ...ctx, request: { ...request, object: current } }, current);
        if (result.findings) findings.push(...result.findings);
        if (!result.object) continue;
        const problem = checkMutatedObject(current, result.object);
        if (problem) {
          findings.push(mutationFailure(policy, `produced an invalid object: ${problem}`));
          continue;
        }
        current = result.object;
      } catch (error) {
        findings.push(internalFailure(policy, error));
      }
    }
    const patch = current === original ? [] : createPatch(original, current);
    if (mode === 'audit' && patch.length > 0) {
      // one short warning (the apiserver truncates past 256 characters); the full patch goes to the annotation
      const paths = [...new Set(patch.map((op) => op.path))];
      let summary = `would patch ${patch.length} field(s): ${paths.join(', ')}`;
      if (summary.length > 120) summary = `${summary.slice(0, 115)}, ...`;
      const decision = combine(
        [...findings, { policy: 'portcullis', action: 'Warn', message: summary }],
        { 'portcullis/would-patch': JSON.stringify(patch) },
        mode,
      );
      return { ...decision, patch: [] };
    }
    return { ...combine(findings, {}, mode), patch, ...(patch.length > 0 ? { object: current } : {}) };
  }
}

function reviewContext(request: AdmissionRequest, lookups: Lookups): ReviewContext {
  const name = request.namespace;
  const namespaceObject = name ? (lookups.namespace(name) ?? unknownNamespace(name)) : null;
  return { request, namespaceObject, lookups, celValues: new Map() };
}

/**
 * A namespace we have no object for (no cluster connection, not in the config) still carries the
 * label the kube-apiserver puts on every namespace, so selectors on kubernetes.io/metadata.name
 * (e.g. "not kube-system") hold everywhere. Made once per name (up to a bound) rather than per
 * review: derived values (the CEL namespaceObject) are memoised per namespace object, and a fresh
 * object per review would defeat that and leave garbage behind.
 */
const unknownNamespaces = new Map<string, KubeObject>();
const MAX_UNKNOWN_NAMESPACES = 4096;

function unknownNamespace(name: string): KubeObject {
  let namespace = unknownNamespaces.get(name);
  if (namespace === undefined) {
    if (unknownNamespaces.size >= MAX_UNKNOWN_NAMESPACES) unknownNamespaces.clear();
    namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
    unknownNamespaces.set(name, namespace);
  }
  return namespace;
}

/**
 * Several policies may write the same key (every ValidatingAdmissionPolicy reports Audit failures
 * under validation.policy.admission.k8s.io/validation_failure as a JSON array): arrays are
 * concatenated, otherwise the first value stays, as the apiserver keeps the first annotation.
 */
function mergeAnnotations(into: Record<string, string>, from: Record<string, string>): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (existing === undefined) into[key] = value;
    else if (existing.startsWith('[') && value.startsWith('[')) {
      try {
        into[key] = JSON.stringify([...(JSON.parse(existing) as unknown[]), ...(JSON.parse(value) as unknown[])]);
      } catch {
        // not JSON after all: keep the first
      }
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function internalFailure(policy: Policy, error: unknown): Finding {
  return { policy: policy.name, action: 'Deny', message: `policy '${policy.name}' failed: ${errorText(error)}`, code: 500, reason: 'InternalError', error: true };
}

function mutationFailure(policy: Policy, problem: string): Finding {
  const ignore = policy.failurePolicy === 'Ignore';
  return {
    policy: policy.name,
    action: ignore ? 'Warn' : 'Deny',
    message: `policy '${policy.name}' ${problem}${ignore ? ' (failurePolicy Ignore: mutation skipped)' : ''}`,
    code: 500,
    reason: 'InternalError',
    error: true,
  };
}
