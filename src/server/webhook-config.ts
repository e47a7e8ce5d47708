/**
 * Builds the ValidatingWebhookConfiguration and MutatingWebhookConfiguration that register
 * portcullis with the kube-apiserver (admissionregistration.k8s.io/v1).
 *
 * Pure: no I/O. `portcullis manifests` prints its output, and the Helm chart's webhook rules are
 * kept equal to it by a test (test/deploy), so both install the same registration.
 *
 * Choices (documented in README "Deployment"):
 * - rules: the union of the loaded policies' `rules` (validating webhook from policies that
 *   validate, mutating webhook from policies that mutate), reduced to a minimal, sorted list so
 *   the apiserver only calls portcullis for requests some policy can match.
 * - timeoutSeconds 5: every policy has its own budget (100 ms by default), so 5 s leaves ample room
 *   for network latency while halving the apiserver's worst-case stall against its 10 s default.
 * - failurePolicy: Fail for validating (enforcement must not silently lapse), Ignore for mutating
 *   (defaults are conveniences; the validating webhook stays the enforcement point, so a skipped
 *   mutation can never admit an object a policy would deny).
 * - namespaceSelector excludes kube-system, kube-node-lease (node heartbeats) and portcullis's own
 *   namespace, so portcullis can always restart itself and the control plane keeps working while
 *   portcullis is down.
 * - matchConditions skip kubelets' own requests (mirror pods, node status) and kube-system
 *   controllers' requests on cluster-scoped objects (node taints, namespace finalisation): those
 *   are the requests whose refusal could keep the cluster from rescheduling portcullis itself.
 */
import type {
  V1MatchCondition,
  V1MutatingWebhookConfiguration,
  V1RuleWithOperations,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { FailurePolicy, Policy, ResourceRule } from '../engine/types.js';

export const DEFAULT_TIMEOUT_SECONDS = 5;
export const DEFAULT_VALIDATING_FAILURE_POLICY: FailurePolicy = 'Fail';
export const DEFAULT_MUTATING_FAILURE_POLICY: FailurePolicy = 'Ignore';
export const DEFAULT_SERVICE_PORT = 443;
export const DEFAULT_CONFIGURATION_NAME = 'portcullis';
export const VALIDATING_WEBHOOK_NAME = 'validate.portcullis.dev';
export const MUTATING_WEBHOOK_NAME = 'mutate.portcullis.dev';
/** Namespaces never sent to portcullis, whatever the options say (see the file comment). */
export const ALWAYS_EXCLUDED_NAMESPACES = ['kube-system', 'kube-node-lease'] as const;

/** The CEL match conditions that keep portcullis out of the requests it could deadlock on. */
export const DEADLOCK_MATCH_CONDITIONS: readonly V1MatchCondition[] = [
  {
    name: 'exclude-node-requests',
    expression: "!request.userInfo.username.startsWith('system:node:')",
  },
  {
    name: 'exclude-kube-system-controllers-on-cluster-scoped-objects',
    expression:
      "!(request.userInfo.username.startsWith('system:serviceaccount:kube-system:') && (!has(request.namespace) || request.namespace == ''))",
  },
];

export interface WebhookConfigurationOptions {
  policies: readonly Policy[];
  /** PEM of the CA that signed the serving certificate (one or more certificates). */
  caBundlePem: string;
  /** name of the Service in front of portcullis */
  service: string;
  /** namespace portcullis runs in (excluded from the webhooks) */
  namespace: string;
  /** Service port (default 443) */
  port?: number;
  /** path prefix in front of /validate and /mutate (default none) */
  path?: string;
  /** metadata.name of both configurations (default `portcullis`) */
  name?: string;
  /** validating webhook failurePolicy (default Fail) */
  failurePolicy?: FailurePolicy;
  /** mutating webhook failurePolicy (default Ignore) */
  mutatingFailurePolicy?: FailurePolicy;
  /** 1..30 (default 5) */
  timeoutSeconds?: number;
  /** more namespaces to exclude besides kube-system, kube-node-lease and `namespace` */
  excludeNamespaces?: string[];
  /** emit matchConditions (default true; needs Kubernetes >= 1.28, GA in 1.30) */
  matchConditions?: boolean;
  /** labels for both configurations */
  labels?: Record<string, string>;
}

export interface WebhookConfigurations {
  /** null when no loaded policy validates */
  validating: V1ValidatingWebhookConfiguration | null;
  /** null when no loaded policy mutates */
  mutating: V1MutatingWebhookConfiguration | null;
}

export class WebhookConfigError extends Error {
  readonly code = 'WEBHOOK_CONFIG';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`webhook configuration: ${field}: ${message}`);
    this.name = 'WebhookConfigError';
  }
}

const OPERATION_ORDER: readonly string[] = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export function buildWebhookConfigurations(options: WebhookConfigurationOptions): WebhookConfigurations {
  const checked = checkOptions(options);
  const validatingRules = webhookRules(options.policies.filter((p) => typeof p.validate === 'function'));
  const mutatingRules = webhookRules(options.policies.filter((p) => typeof p.mutate === 'function'));

  const common = {
    admissionReviewVersions: ['v1', 'v1beta1'],
    matchPolicy: 'Equivalent',
    sideEffects: 'None',
    timeoutSeconds: checked.timeoutSeconds,
    namespaceSelector: {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: checked.excludedNamespaces }],
    },
    ...(checked.matchConditions ? { matchConditions: DEADLOCK_MATCH_CONDITIONS.map((c) => ({ ...c })) } : {}),
  };
  const clientConfig = (endpoint: string) => ({
    service: { name: options.service, namespace: options.namespace, path: `${checked.path}${endpoint}`, port: checked.port },
    caBundle: Buffer.from(options.caBundlePem, 'utf8').toString('base64'),
  });
  const metadata = () => ({ name: checked.name, ...(options.labels ? { labels: { ...options.labels } } : {}) });

  return {
    validating:
      validatingRules.length === 0
        ? null
        : {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingWebhookConfiguration',
            metadata: metadata(),
            webhooks: [
              {
                name: VALIDATING_WEBHOOK_NAME,
                clientConfig: clientConfig('/validate'),
                rules: validatingRules,
                failurePolicy: checked.failurePolicy,
                ...common,
                namespaceSelector: structuredClone(common.namespaceSelector),
              },
            ],
          },
    mutating:
      mutatingRules.length === 0
        ? null
        : {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'MutatingWebhookConfiguration',
            metadata: metadata(),
            webhooks: [
              {
                name: MUTATING_WEBHOOK_NAME,
                clientConfig: clientConfig('/mutate'),
                rules: mutatingRules,
                failurePolicy: checked.mutatingFailurePolicy,
                reinvocationPolicy: 'IfNeeded',
                ...common,
                namespaceSelector: structuredClone(common.namespaceSelector),
              },
            ],
          },
  };
}

function checkOptions(options: WebhookConfigurationOptions) {
  if (!PEM_CERTIFICATE.test(options.caBundlePem ?? '')) {
    throw new WebhookConfigError('caBundlePem', 'no PEM certificate (-----BEGIN CERTIFICATE-----) found');
  }
  if (!DNS_LABEL.test(options.service ?? '')) {
    throw new WebhookConfigError('service', `'${options.service}' is not a DNS-1123 label`);
  }
  if (!DNS_LABEL.test(options.namespace ?? '')) {
    throw new WebhookConfigError('namespace', `'${options.namespace}' is not a DNS-1123 label`);
  }
  const port = options.port ?? DEFAULT_SERVICE_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new WebhookConfigError('port', `${port} is not an integer in 1..65535`);
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new WebhookConfigError('timeoutSeconds', `${timeoutSeconds} is not an integer in 1..30 (the apiserver's range)`);
  }
  const failurePolicy = checkFailurePolicy('failurePolicy', options.failurePolicy ?? DEFAULT_VALIDATING_FAILURE_POLICY);
  const mutatingFailurePolicy = checkFailurePolicy(
    'mutatingFailurePolicy',
    options.mutatingFailurePolicy ?? DEFAULT_MUTATING_FAILURE_POLICY,
  );
  let path = options.path ?? '';
  if (path !== '' && !path.startsWith('/')) {
    throw new WebhookConfigError('path', `'${path}' must start with '/'`);
  }
  path = path.replace(/\/+$/, '');
  const name = options.name ?? DEFAULT_CONFIGURATION_NAME;
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw new WebhookConfigError('name', `'${name}' is not a DNS-1123 subdomain`);
  }
  for (const [i, ns] of (options.excludeNamespaces ?? []).entries()) {
    if (!DNS_LABEL.test(ns)) throw new WebhookConfigError(`excludeNamespaces[${i}]`, `'${ns}' is not a DNS-1123 label`);
  }
  const excludedNamespaces = [
    ...new Set([...ALWAYS_EXCLUDED_NAMESPACES, options.namespace, ...(options.excludeNamespaces ?? [])]),
  ].sort();
  return {
    port,
    timeoutSeconds,
    failurePolicy,
    mutatingFailurePolicy,
    path,
    name,
    excludedNamespaces,
    matchConditions: options.matchConditions ?? true,
  };
}

function checkFailurePolicy(field: string, value: string): FailurePolicy {
  if (value !== 'Fail' && value !== 'Ignore') {
    throw new WebhookConfigError(field, `'${value}' is not Fail or Ignore`);
  }
  return value;
}

/** One (group, version, resource, operation, scope) the apiserver could send. */
interface Atom {
  group: string;
  version: string;
  resource: string;
  operation: string;
  scope: string;
}

/**
 * A short, deterministic webhook rule list matching exactly the requests some policy can match.
 * Two candidates are merged (see `merge`) and the shorter kept: the policies' own rules (which
 * may overlap, as webhook rules may), and the single (group, version, resource, operation) atoms
 * left after dropping those a wildcard covers. On a tie the first wins.
 */
export function webhookRules(policies: readonly Pick<Policy, 'rules'>[]): V1RuleWithOperations[] {
  const atoms = new Map<string, Atom>();
  const inputRules: RuleSets[] = [];
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const expanded = expand(rule);
      if (expanded.length === 0) continue;
      for (const atom of expanded) atoms.set(atomKey(atom), atom);
      inputRules.push({
        groups: new Set(rule.apiGroups),
        versions: new Set(rule.apiVersions),
        resources: new Set(rule.resources),
        operations: new Set(rule.operations),
        scope: rule.scope ?? '*',
      });
    }
  }
  const all = [...atoms.values()];
  const kept = all.filter((atom) => !all.some((other) => other !== atom && covers(other, atom)));
  const fromAtoms = merge(kept.map(atomRule));
  const uncovered = inputRules.filter(
    (rule, i) => !inputRules.some((other, j) => j !== i && ruleCovers(other, rule) && (!ruleCovers(rule, other) || j < i)),
  );
  const fromRules = merge(uncovered);
  // on a tie the policy-shaped list wins: it reads like the policies that asked for it
  const best = fromRules.length <= fromAtoms.length ? fromRules : fromAtoms;
  return best.map(toWebhookRule).sort(compareRules);
}

function atomRule(a: Atom): RuleSets {
  return {
    groups: new Set([a.group]),
    versions: new Set([a.version]),
    resources: new Set([a.resource]),
    operations: new Set([a.operation]),
    scope: a.scope,
  };
}

/** true when every atom of `b` is covered by an atom of `a` */
function ruleCovers(a: RuleSets, b: RuleSets): boolean {
  const aAtoms = expandSets(a);
  return expandSets(b).every((atom) => aAtoms.some((other) => covers(other, atom)));
}

function expandSets(r: RuleSets): Atom[] {
  return expand({
    apiGroups: [...r.groups],
    apiVersions: [...r.versions],
    resources: [...r.resources],
    operations: [...r.operations] as ResourceRule['operations'],
    scope: r.scope as ResourceRule['scope'],
  });
}

function expand(rule: ResourceRule): Atom[] {
  const out: Atom[] = [];
  const scope = rule.scope ?? '*';
  for (const group of rule.apiGroups)
    for (const version of rule.apiVersions)
      for (const resource of rule.resources)
        for (const operation of rule.operations) out.push({ group, version, resource, operation, scope });
  return out;
}

const atomKey = (a: Atom) => [a.group, a.version, a.resource, a.operation, a.scope].join('\u0000');
const wild = (pattern: string, value: string) => pattern === '*' || pattern === value;

/** Kubernetes resource patterns: `*` = every resource but no subresource, `r/*` = every subresource of r, `*\/s`, `*\/*`. */
export function resourceCovers(pattern: string, resource: string): boolean {
  const [pr, ps] = splitResource(pattern);
  const [rr, rs] = splitResource(resource);
  if (!wild(pr, rr)) return false;
  if (ps === undefined) return rs === undefined;
  return rs !== undefined && wild(ps, rs);
}

function splitResource(resource: string): [string, string | undefined] {
  const slash = resource.indexOf('/');
  return slash < 0 ? [resource, undefined] : [resource.slice(0, slash), resource.slice(slash + 1)];
}

function covers(a: Atom, b: Atom): boolean {
  return (
    wild(a.group, b.group) &&
    wild(a.version, b.version) &&
    wild(a.operation, b.operation) &&
    wild(a.scope, b.scope) &&
    resourceCovers(a.resource, b.resource)
  );
}

interface RuleSets {
  groups: Set<string>;
  versions: Set<string>;
  resources: Set<string>;
  operations: Set<string>;
  scope: string;
}
type Dimension = 'groups' | 'versions' | 'resources' | 'operations';
const DIMENSIONS: readonly Dimension[] = ['resources', 'groups', 'versions', 'operations'];


/** Every order of the four dimensions, the preferred one first (used to break ties). */
const MERGE_ORDERS: readonly (readonly Dimension[])[] = permutations(DIMENSIONS);

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * Merging two rules that differ in one dimension only is an exact union (the cartesian product
 * stays the same set of atoms). Greedy merging depends on the order of dimensions, so all 24
 * orders are tried and the shortest result kept: cheap for the handful of atoms policies declare.
 */
function merge(start: RuleSets[]): RuleSets[] {
  let best: RuleSets[] | undefined;
  for (const order of MERGE_ORDERS) {
    const rules = mergeInOrder(start, order);
    if (!best || rules.length < best.length) best = rules;
  }
  return best ?? [];
}

function mergeInOrder(start: RuleSets[], order: readonly Dimension[]): RuleSets[] {
  let rules = start;
  for (let changed = true; changed; ) {
    changed = false;
    for (const dimension of order) {
      const buckets = new Map<string, RuleSets>();
      for (const rule of rules) {
        const key = [
          rule.scope,
          ...DIMENSIONS.filter((d) => d !== dimension).map((d) => [...rule[d]].sort().join(',')),
        ].join('\u0000');
        const existing = buckets.get(key);
        if (existing) {
          for (const value of rule[dimension]) existing[dimension].add(value);
          changed = true;
        } else {
          buckets.set(key, { ...rule, [dimension]: new Set(rule[dimension]) });
        }
      }
      rules = [...buckets.values()];
    }
  }
  return rules;
}

function toWebhookRule(rule: RuleSets): V1RuleWithOperations {
  return {
    apiGroups: [...rule.groups].sort(),
    apiVersions: [...rule.versions].sort(),
    resources: [...rule.resources].sort(),
    operations: [...rule.operations].sort((a, b) => OPERATION_ORDER.indexOf(a) - OPERATION_ORDER.indexOf(b)),
    scope: rule.scope,
  };
}

function compareRules(a: V1RuleWithOperations, b: V1RuleWithOperations): number {
  const key = (r: V1RuleWithOperations) =>
    [r.apiGroups, r.resources, r.apiVersions, r.operations, [r.scope ?? '*']].map((l) => (l ?? []).join(',')).join('\u0000');
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
