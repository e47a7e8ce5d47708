/**
 * The heart of an audit: each request goes through the engine as the kube-apiserver would take it
 * through portcullis: mutating admission first (`PolicySet.mutate`, the webhook's /mutate), then
 * validation of the mutated object (`PolicySet.validate` in enforce mode, the webhook's /validate).
 * With `mutate: false` the object is validated as written. The decision is kept with the object it
 * is about; nothing here knows whether objects came from files or from a cluster.
 */
import type { JsonPatchOperation } from '../admission/patch.js';
import type { AdmissionRequest, KubeObject } from '../admission/types.js';
import { matchesResourceRules } from '../engine/match.js';
import type { Decision, PolicySet } from '../engine/policy-set.js';
import type { Finding, Lookups } from '../engine/types.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface AuditedObject {
  ref: ObjectRef;
  /** where the manifest came from (offline audit) */
  source?: { file: string; line: number };
  request: AdmissionRequest;
  decision: Decision;
  /** names of the policies whose resource rules cover the request, in load order */
  matched: string[];
  /** what the mutating policies changed before validation (empty when nothing) */
  patch: JsonPatchOperation[];
}

/** What one policy says about one object; PolicyReport results and `portcullis test` build on it. */
export type PolicyOutcome = 'pass' | 'fail' | 'warn' | 'audit' | 'error';

export function objectRef(request: AdmissionRequest): ObjectRef {
  const object: KubeObject | null | undefined = request.object ?? request.oldObject;
  const apiVersion = request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version;
  const uid = object?.metadata?.uid;
  return {
    apiVersion,
    kind: request.kind.kind,
    ...(request.namespace ? { namespace: request.namespace } : {}),
    name: request.name || String(object?.metadata?.generateName ?? ''),
    ...(typeof uid === 'string' && uid !== '' ? { uid } : {}),
  };
}

/** Policies whose rules cover the request: the ones that owe a result (pass when silent). */
export function matchedPolicies(set: PolicySet, request: AdmissionRequest): string[] {
  return set.candidates(request).filter((p) => matchesResourceRules([...p.rules], request)).map((p) => p.name);
}

export interface AuditRequestOptions {
  source?: { file: string; line: number };
  /** run the mutating policies first, as the apiserver does (default true) */
  mutate?: boolean;
}

export function auditRequest(set: PolicySet, request: AdmissionRequest, lookups: Lookups, options: AuditRequestOptions = {}): AuditedObject {
  const base = { ref: objectRef(request), ...(options.source ? { source: options.source } : {}), matched: matchedPolicies(set, request) };
  if (options.mutate === false) return { ...base, request, decision: set.validate(request, lookups, 'enforce'), patch: [] };
  const mutation = set.mutate(request, lookups, 'enforce');
  // A denial in mutating admission ends the request there, as in the apiserver.
  if (!mutation.allowed) return { ...base, request, decision: withoutPatch(mutation), patch: [] };
  const validated = mutation.object ? { ...request, object: mutation.object } : request;
  const validation = set.validate(validated, lookups, 'enforce');
  return { ...base, request: validated, decision: merge(mutation, validation), patch: mutation.patch };
}

function withoutPatch(decision: Decision & { patch?: unknown; object?: unknown }): Decision {
  const { patch: _patch, object: _object, ...rest } = decision;
  return rest;
}

/** The client sees both admission phases: warnings and audit annotations of each, the validation verdict. */
function merge(mutation: Decision, validation: Decision): Decision {
  return {
    ...validation,
    warnings: [...new Set([...mutation.warnings, ...validation.warnings])],
    auditAnnotations: { ...mutation.auditAnnotations, ...validation.auditAnnotations },
    findings: [...mutation.findings, ...validation.findings],
  };
}

/** Deny -> fail, Warn -> warn, Audit -> audit; a finding from a policy that failed to run -> error. */
export function findingOutcome(finding: Finding): PolicyOutcome {
  if (finding.error) return 'error';
  if (finding.action === 'Deny') return 'fail';
  if (finding.action === 'Warn') return 'warn';
  return 'audit';
}

const SEVERITY: PolicyOutcome[] = ['error', 'fail', 'warn', 'audit', 'pass'];

/**
 * One outcome per policy for an object: the most severe of its findings, `pass` for a matched policy
 * with none. `rule` narrows the findings to one validation or control.
 */
export function policyOutcomes(audited: AuditedObject, rule?: string): Map<string, PolicyOutcome> {
  const out = new Map<string, PolicyOutcome>();
  for (const name of audited.matched) out.set(name, 'pass');
  for (const finding of audited.decision.findings) {
    if (rule !== undefined && finding.rule !== rule) continue;
    const outcome = findingOutcome(finding);
    const current = out.get(finding.policy);
    if (!current || SEVERITY.indexOf(outcome) < SEVERITY.indexOf(current)) out.set(finding.policy, outcome);
  }
  return out;
}

export interface AuditSummary {
  objects: number;
  /** objects the webhook would deny */
  denied: number;
  /** objects the mutating policies changed before validation */
  mutated: number;
  /** findings by outcome; `pass` counts (object, policy) pairs with no finding */
  pass: number;
  fail: number;
  warn: number;
  audit: number;
  error: number;
}

export function summarize(objects: AuditedObject[]): AuditSummary {
  const summary: AuditSummary = { objects: objects.length, denied: 0, mutated: 0, pass: 0, fail: 0, warn: 0, audit: 0, error: 0 };
  for (const audited of objects) {
    if (!audited.decision.allowed) summary.denied++;
    if (audited.patch.length > 0) summary.mutated++;
    const withFindings = new Set(audited.decision.findings.map((f) => f.policy));
    for (const name of audited.matched) if (!withFindings.has(name)) summary.pass++;
    for (const finding of audited.decision.findings) summary[findingOutcome(finding)]++;
  }
  return summary;
}

/** Findings of policies that could not run (compile errors, exceptions), once per policy and message. */
export function policyErrors(objects: AuditedObject[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const audited of objects) {
    for (const finding of audited.decision.findings) {
      if (finding.error && !seen.has(`${finding.policy}\u0000${finding.message}`)) seen.set(`${finding.policy}\u0000${finding.message}`, finding);
    }
  }
  return [...seen.values()];
}
