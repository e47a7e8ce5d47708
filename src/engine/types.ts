/**
 * The engine's vocabulary: what a policy is, what it gets to look at, and what it reports.
 * Every policy kind (ValidatingAdmissionPolicy, MutatingAdmissionPolicy, TypeScript, Pod Security)
 * is adapted to `Policy`; the engine never knows which kind it is talking to.
 * Everything here is synchronous and free of I/O: lookups (namespaces, params) are served from
 * in-memory caches that loaders/ and kube/ keep current off the hot path.
 */
import type { AdmissionRequest, KubeObject, Operation } from '../admission/types.js';

export type ValidationAction = 'Deny' | 'Warn' | 'Audit';
export type FailurePolicy = 'Fail' | 'Ignore';
export type ServerMode = 'enforce' | 'audit';

/** One admissionregistration.k8s.io RuleWithOperations (matchConstraints.resourceRules). */
export interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  /** `pods`, `pods/status`, `*`, `*\/scale`, `pods/*` as in Kubernetes */
  resources: string[];
  operations: (Operation | '*')[];
  scope?: 'Cluster' | 'Namespaced' | '*';
  resourceNames?: string[];
}

/** Cached, synchronous view of objects the policies may look up. */
export interface Lookups {
  /** The Namespace object, or undefined when unknown (the engine then sees no labels). */
  namespace(name: string): KubeObject | undefined;
  /** Param objects for paramKind/paramRef: all objects of that kind, optionally in one namespace. */
  params(apiVersion: string, kind: string, namespace?: string): KubeObject[];
}

export interface ReviewContext {
  request: AdmissionRequest;
  /** The Namespace of the request (null for cluster-scoped objects or when unknown). */
  namespaceObject: KubeObject | null;
  lookups: Lookups;
  /**
   * CEL conversions of this review's objects, shared by the CEL policies that read them; lives
   * as long as the review (see jsonToCel). Absent: each evaluation converts on its own.
   */
  celValues?: Map<object, unknown>;
}

/** One thing a policy has to say about a request. */
export interface Finding {
  /** policy name (PolicyReport `policy`) */
  policy: string;
  /** validation or control name (PolicyReport `rule`), when the policy has several */
  rule?: string;
  action: ValidationAction;
  /** the complete message as the user sees it (denial message, warning text, audit value) */
  message: string;
  /** field path the finding is about, e.g. spec.containers[0].securityContext.privileged */
  path?: string;
  /** HTTP status code for a Deny (403 unless the policy says otherwise) */
  code?: number;
  /** status reason for a Deny, e.g. Forbidden or Invalid */
  reason?: string;
  /** true when the finding comes from the policy failing to evaluate (failurePolicy applied) */
  error?: boolean;
}

export interface ValidationResult {
  findings: Finding[];
  /** annotation key (already prefixed with the policy name where Kubernetes does) -> value */
  auditAnnotations?: Record<string, string>;
}

export interface MutationResult {
  /** the object after this policy's mutation (the engine diffs original vs final) */
  object?: KubeObject;
  findings?: Finding[];
}

export interface Policy {
  readonly name: string;
  /** 'ValidatingAdmissionPolicy' | 'MutatingAdmissionPolicy' | 'TypeScript' | 'PodSecurity' ... */
  readonly source: string;
  /** resource rules that bound what this policy can ever match: used for indexing and webhook rules */
  readonly rules: ResourceRule[];
  /** what the engine does when a mutation yields an invalid object (default Fail) */
  readonly failurePolicy?: FailurePolicy;
  /**
   * Full match check beyond the index (namespace/object selectors, exclusions, match conditions
   * are evaluated inside validate/mutate because their errors follow failurePolicy).
   */
  validate?(ctx: ReviewContext): ValidationResult;
  mutate?(ctx: ReviewContext, object: KubeObject): MutationResult;
}
