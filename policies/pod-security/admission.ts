/**
 * The admission decision of Pod Security Admission (upstream admission/admission.go), free of any
 * webhook plumbing: given a request and the namespace's labels, what is enforced (denied), what is
 * warned about, what is audited, and which audit annotations PSA would set.
 *
 * - Pods (CREATE, UPDATE, and subresources other than exec/attach/binding/eviction/log/portforward/
 *   proxy/status, e.g. ephemeralcontainers): enforce, audit and warn. An UPDATE that changes no
 *   container image and adds no ephemeral container is not re-checked (isSignificantPodUpdate).
 * - Workloads with a pod template: audit and warn only; never denied. Their subresources are skipped.
 * - Exempt namespaces and users are skipped before anything else, exempt runtime classes after the
 *   namespace policy is known; each sets the `exempt` annotation.
 * - Invalid namespace labels: enforce reads as restricted, audit/warn as privileged, versions as
 *   latest, and the `error` annotation says why (upstream PolicyToEvaluate).
 * - Namespaces: invalid pod-security labels are refused (see reviewNamespace).
 */
import {
  aggregateErrorText,
  compareLevels,
  LABEL_PREFIX,
  AUDIT_VIOLATIONS_ANNOTATION,
  ENFORCED_POLICY_ANNOTATION,
  ERROR_ANNOTATION,
  EXEMPTION_REASON_ANNOTATION,
  fullyPrivileged,
  labelErrorText,
  levelVersionText,
  policyToEvaluate,
  sameLevelVersion,
  type LabelError,
  type LevelVersion,
  type ModePolicy,
} from './api.js';
import type { CheckResult } from './checks/types.js';
import type { ResolvedConfiguration } from './config.js';
import { extractPodView, isPodControllerResource, isPodResource, type PodView } from './pod-spec.js';
import { aggregate, defaultEvaluator, forbiddenDetail, type AggregateResult, type Evaluator } from './registry.js';

export interface PodSecurityRequest {
  group: string;
  resource: string;
  subResource?: string;
  operation: string;
  namespace?: string;
  username?: string;
  object: unknown;
  oldObject?: unknown;
  /** labels of the request's Namespace (undefined when unknown: the configured defaults apply) */
  namespaceLabels?: Readonly<Record<string, unknown>>;
}

/** One mode's verdict: the full PSA message and the checks that failed. */
export interface ModeOutcome {
  levelVersion: LevelVersion;
  message: string;
  forbidden: CheckResult[];
}

export interface PodSecurityOutcome {
  /** set when enforce denies a Pod: message `violates PodSecurity "L:V": ...` */
  deny?: ModeOutcome;
  /** set when warn finds violations: message `would violate PodSecurity "L:V": ...` */
  warn?: ModeOutcome;
  /** set when audit finds violations: the `audit-violations` annotation value */
  audit?: ModeOutcome;
  /** annotations PSA sets (keys without PSA's prefix): enforce-policy, audit-violations, exempt, error */
  annotations: Record<string, string>;
  /** Namespace requests: why the pod-security labels are refused (`Namespace "x" is invalid: ...`) */
  namespaceDenial?: string;
  /** Namespace requests: the warning PSA gives for labels on an exempt namespace */
  namespaceWarning?: string;
}

const IGNORED_POD_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

const NOTHING: PodSecurityOutcome = Object.freeze({ annotations: Object.freeze({}) as Record<string, string> });
const exempt = (reason: string): PodSecurityOutcome => ({ annotations: { [EXEMPTION_REASON_ANNOTATION]: reason } });
const PRIVILEGED_LATEST = 'privileged:latest';

/** Decides one request. `evaluator` defaults to the built-in checks. */
export function reviewPodSecurity(
  request: PodSecurityRequest,
  config: ResolvedConfiguration,
  evaluator: Evaluator = defaultEvaluator,
): PodSecurityOutcome {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return NOTHING;
  if (request.group === '' && request.resource === 'namespaces') return reviewNamespace(request, config);
  const isPod = isPodResource(request.group, request.resource);
  const subResource = request.subResource ?? '';
  if (isPod) {
    if (IGNORED_POD_SUBRESOURCES.has(subResource)) return NOTHING;
  } else if (!isPodControllerResource(request.group, request.resource) || subResource !== '') {
    return NOTHING;
  }

  if (request.namespace && config.exemptNamespaces.has(request.namespace)) return exempt('namespace');
  if (request.username && config.exemptUsernames.has(request.username)) return exempt('user');

  const { policy, errors } = policyToEvaluate(request.namespaceLabels, config.defaults);
  if (errors.length === 0) {
    if (isPod && fullyPrivileged(policy)) return { annotations: { [ENFORCED_POLICY_ANNOTATION]: PRIVILEGED_LATEST } };
    if (!isPod && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return NOTHING;
  }

  const view = extractPodView(request.group, request.resource, request.object);
  if (!view) return NOTHING;
  if (isPod && request.operation === 'UPDATE' && request.oldObject && !isSignificantPodUpdate(view.spec, extractPodView('', 'pods', request.oldObject)?.spec)) {
    return NOTHING;
  }
  const runtimeClass = view.spec.runtimeClassName;
  if (typeof runtimeClass === 'string' && runtimeClass !== '' && config.exemptRuntimeClasses.has(runtimeClass)) return exempt('runtimeClass');

  const annotations: Record<string, string> = {};
  if (errors.length > 0) annotations[ERROR_ANNOTATION] = `Failed to parse policy: ${aggregateErrorText(errors.map(labelErrorText))}`;
  return evaluatePod(policy, view, isPod, annotations, evaluator);
}

function evaluatePod(
  policy: ModePolicy,
  view: PodView,
  enforce: boolean,
  annotations: Record<string, string>,
  evaluator: Evaluator,
): PodSecurityOutcome {
  const outcome: PodSecurityOutcome = { annotations };
  // one evaluation per distinct level+version, as upstream caches them
  const cache: { lv: LevelVersion; result: AggregateResult }[] = [];
  const run = (lv: LevelVersion): AggregateResult => {
    for (const entry of cache) if (sameLevelVersion(entry.lv, lv)) return entry.result;
    const result = aggregate(evaluator.evaluate(lv.level, lv.version, view.metadata, view.spec));
    cache.push({ lv, result });
    return result;
  };

  if (enforce) {
    annotations[ENFORCED_POLICY_ANNOTATION] = levelVersionText(policy.enforce);
    const result = run(policy.enforce);
    if (!result.allowed) {
      outcome.deny = { levelVersion: policy.enforce, forbidden: result.forbidden, message: `violates PodSecurity "${levelVersionText(policy.enforce)}": ${forbiddenDetail(result)}` };
    }
  }
  const audit = run(policy.audit);
  if (!audit.allowed) {
    const message = `would violate PodSecurity "${levelVersionText(policy.audit)}": ${forbiddenDetail(audit)}`;
    annotations[AUDIT_VIOLATIONS_ANNOTATION] = message;
    outcome.audit = { levelVersion: policy.audit, forbidden: audit.forbidden, message };
  }
  // no warnings on a request that is denied anyway
  if (!outcome.deny) {
    const warn = run(policy.warn);
    if (!warn.allowed) {
      outcome.warn = { levelVersion: policy.warn, forbidden: warn.forbidden, message: `would violate PodSecurity "${levelVersionText(policy.warn)}": ${forbiddenDetail(warn)}` };
    }
  }
  return outcome;
}

/**
 * Namespace CREATE/UPDATE (upstream ValidateNamespace): invalid pod-security labels are refused on
 * create, and on update unless the same errors were already there; labels on an exempt namespace
 * that ask for something other than the defaults get a warning. (PSA also dry-runs the existing
 * pods of a namespace whose enforce level is raised; that needs a pod list this policy lacks.)
 */
function reviewNamespace(request: PodSecurityRequest, config: ResolvedConfiguration): PodSecurityOutcome {
  if ((request.subResource ?? '') !== '') return NOTHING;
  const object = asObject(request.object);
  const metadata = asObject(object.metadata);
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const labels = asObject(metadata.labels);
  const { policy, errors } = policyToEvaluate(labels, config.defaults);
  const namespace = request.namespace || name;
  const invalid = (): PodSecurityOutcome => ({
    annotations: {},
    namespaceDenial: `Namespace ${JSON.stringify(name)} is invalid: ${aggregateErrorText(errors.map(labelErrorText))}`,
  });
  const exemptWarning = (): PodSecurityOutcome => {
    if (!config.exemptNamespaces.has(namespace)) return NOTHING;
    const warning = exemptNamespaceWarning(name, policy, labels, config.defaults);
    return warning ? { annotations: {}, namespaceWarning: warning } : NOTHING;
  };
  if (request.operation === 'CREATE') return errors.length > 0 ? invalid() : exemptWarning();

  const oldLabels = asObject(asObject(asObject(request.oldObject).metadata).labels);
  const old = policyToEvaluate(oldLabels, config.defaults);
  if (errors.length > 0 && (old.errors.length === 0 || !sameErrors(errors, old.errors))) return invalid();
  // nothing to tell unless the enforce policy became stricter
  if (sameLevelVersion(policy.enforce, old.policy.enforce)) return NOTHING;
  if (policy.enforce.level === 'privileged') return NOTHING;
  if (sameVersion(policy.enforce, old.policy.enforce) && compareLevels(policy.enforce.level, old.policy.enforce.level) < 1) return NOTHING;
  return exemptWarning();
}

function sameVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.version.latest === b.version.latest && a.version.minor === b.version.minor;
}

function sameErrors(a: readonly LabelError[], b: readonly LabelError[]): boolean {
  return a.length === b.length && a.every((e, i) => e.label === b[i]?.label && e.value === b[i]?.value && e.message === b[i]?.message);
}

function equivalent(a: LevelVersion, b: LevelVersion): boolean {
  return (a.level === 'privileged' && b.level === 'privileged') || sameLevelVersion(a, b);
}

/** `namespace "x" is exempt from Pod Security, and the policy (enforce=..., warn=...) will be ignored` */
function exemptNamespaceWarning(name: string, policy: ModePolicy, labels: Record<string, unknown>, defaults: ModePolicy): string | undefined {
  if (fullyPrivileged(policy)) return undefined;
  if (equivalent(policy.enforce, defaults.enforce) && equivalent(policy.audit, defaults.audit) && equivalent(policy.warn, defaults.warn)) return undefined;
  const parts: string[] = [];
  for (const mode of ['enforce', 'audit', 'warn'] as const) {
    const lv = policy[mode];
    const labelled = `${LABEL_PREFIX}${mode}` in labels || `${LABEL_PREFIX}${mode}-version` in labels;
    if (lv.level !== 'privileged' && labelled) parts.push(`${mode}=${levelVersionText(lv)}`);
  }
  return `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

type Containers = { name?: unknown; image?: unknown }[];

function containersOf(spec: Record<string, unknown> | undefined, key: string): Containers {
  const list = spec?.[key];
  return Array.isArray(list) ? (list as Containers) : [];
}

/**
 * Whether a pod UPDATE can change what the checks see. Apart from ephemeral containers, the only
 * pod-spec fields an update may change that a check could care about are container images, so
 * only those (and container counts) make an update worth re-checking.
 */
export function isSignificantPodUpdate(spec: object, oldSpec: object | undefined): boolean {
  if (!oldSpec) return true;
  const s = spec as Record<string, unknown>;
  const o = oldSpec as Record<string, unknown>;
  for (const key of ['containers', 'initContainers']) {
    const now = containersOf(s, key);
    const before = containersOf(o, key);
    if (now.length !== before.length) return true;
    for (let i = 0; i < now.length; i++) if (now[i]?.image !== before[i]?.image) return true;
  }
  const oldEphemeral = containersOf(o, 'ephemeralContainers');
  for (const c of containersOf(s, 'ephemeralContainers')) {
    const old = oldEphemeral.find((oc) => (oc?.name ?? '') === (c?.name ?? ''));
    if (!old || old.image !== c?.image) return true;
  }
  return false;
}
