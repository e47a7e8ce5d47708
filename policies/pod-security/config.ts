/**
 * Configuration: Kubernetes' PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1)
 * as found in `policyConfig.pod-security` of the portcullis config file:
 *
 *   defaults:   { enforce, enforce-version, audit, audit-version, warn, warn-version }
 *   exemptions: { usernames: [], runtimeClasses: [], namespaces: [] }
 *
 * Unset default fields read as `privileged` / `latest`, as Kubernetes' v1 defaulting does; values
 * are checked as Kubernetes validates them. A bad configuration throws PodSecurityConfigError,
 * which names every offending field; the policy's failurePolicy then decides.
 */
import { LEVEL_ERROR, parseLevel, parseVersion, VERSION_ERROR, type ModePolicy } from './api.js';

export interface PodSecurityDefaults {
  enforce?: string;
  'enforce-version'?: string;
  audit?: string;
  'audit-version'?: string;
  warn?: string;
  'warn-version'?: string;
}

export interface PodSecurityExemptions {
  usernames?: string[];
  runtimeClasses?: string[];
  namespaces?: string[];
}

export interface PodSecurityConfiguration {
  apiVersion?: string;
  kind?: string;
  defaults?: PodSecurityDefaults;
  exemptions?: PodSecurityExemptions;
}

/** The built-in default: enforce baseline, warn and audit restricted, kube-system exempt. */
export const DEFAULT_CONFIGURATION: PodSecurityConfiguration = Object.freeze({
  apiVersion: 'pod-security.admission.config.k8s.io/v1',
  kind: 'PodSecurityConfiguration',
  defaults: Object.freeze({
    enforce: 'baseline',
    'enforce-version': 'latest',
    audit: 'restricted',
    'audit-version': 'latest',
    warn: 'restricted',
    'warn-version': 'latest',
  }),
  exemptions: Object.freeze({ usernames: [], runtimeClasses: [], namespaces: ['kube-system'] }),
}) as PodSecurityConfiguration;

/** A checked configuration, ready for every review. */
export interface ResolvedConfiguration {
  readonly defaults: ModePolicy;
  readonly exemptNamespaces: ReadonlySet<string>;
  readonly exemptUsernames: ReadonlySet<string>;
  readonly exemptRuntimeClasses: ReadonlySet<string>;
}

export class PodSecurityConfigError extends Error {
  readonly code = 'POD_SECURITY_CONFIG';
  /** each problem as `field: problem` */
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid Pod Security configuration (policyConfig.pod-security): ${problems.join('; ')}`);
    this.name = 'PodSecurityConfigError';
    this.problems = problems;
  }
}

const DEFAULT_KEYS = ['enforce', 'enforce-version', 'audit', 'audit-version', 'warn', 'warn-version'] as const;
const EXEMPTION_KEYS = ['usernames', 'runtimeClasses', 'namespaces'] as const;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (field: string, value: unknown, message: string): string => `${field}: Invalid value: ${JSON.stringify(value)}: ${message}`;

function checkList(
  value: unknown,
  field: string,
  validate: (item: string) => string | undefined,
  problems: string[],
): Set<string> {
  const valid = new Set<string>();
  if (value === undefined || value === null) return valid;
  if (!Array.isArray(value)) {
    problems.push(`${field}: must be a list of strings`);
    return valid;
  }
  value.forEach((item: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof item !== 'string') {
      problems.push(`${at}: must be a string`);
      return;
    }
    const problem = validate(item);
    if (problem) problems.push(invalid(at, item, problem));
    else if (valid.has(item)) problems.push(`${at}: Duplicate value: ${JSON.stringify(item)}`);
    else valid.add(item);
  });
  return valid;
}

function namespaceProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS_LABEL.test(name)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function runtimeClassProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Checks a PodSecurityConfiguration and turns it into the form reviews use. Throws PodSecurityConfigError. */
export function resolveConfiguration(input: unknown): ResolvedConfiguration {
  const problems: string[] = [];
  if (!isObject(input)) throw new PodSecurityConfigError([`must be a PodSecurityConfiguration object (got ${Array.isArray(input) ? 'a list' : JSON.stringify(input)})`]);
  for (const key of Object.keys(input)) {
    if (!['apiVersion', 'kind', 'defaults', 'exemptions'].includes(key)) problems.push(`${key}: unknown field (expected defaults, exemptions)`);
  }
  const defaults = input.defaults ?? {};
  const exemptions = input.exemptions ?? {};
  if (!isObject(defaults)) problems.push('defaults: must be an object');
  if (!isObject(exemptions)) problems.push('exemptions: must be an object');
  if (problems.length > 0) throw new PodSecurityConfigError(problems);
  const d = defaults as Record<string, unknown>;
  const e = exemptions as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!(DEFAULT_KEYS as readonly string[]).includes(key)) problems.push(`defaults.${key}: unknown field (expected ${DEFAULT_KEYS.join(', ')})`);
  }
  for (const key of Object.keys(e)) {
    if (!(EXEMPTION_KEYS as readonly string[]).includes(key)) problems.push(`exemptions.${key}: unknown field (expected ${EXEMPTION_KEYS.join(', ')})`);
  }

  const text = (key: string, fallback: string): string => {
    const value = d[key];
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value !== 'string') {
      problems.push(`defaults.${key}: must be a string`);
      return fallback;
    }
    return value;
  };
  const level = (key: 'enforce' | 'audit' | 'warn') => {
    const value = text(key, 'privileged');
    const parsed = parseLevel(value);
    if (parsed.error) problems.push(invalid(`defaults.${key}`, value, LEVEL_ERROR));
    return parsed.value;
  };
  const version = (key: 'enforce-version' | 'audit-version' | 'warn-version') => {
    const value = text(key, 'latest');
    const parsed = parseVersion(value);
    if (parsed.error) problems.push(invalid(`defaults.${key}`, value, VERSION_ERROR));
    return parsed.value;
  };
  const policy: ModePolicy = {
    enforce: { level: level('enforce'), version: version('enforce-version') },
    audit: { level: level('audit'), version: version('audit-version') },
    warn: { level: level('warn'), version: version('warn-version') },
  };
  const exemptNamespaces = checkList(e.namespaces, 'exemptions.namespaces', namespaceProblem, problems);
  const exemptRuntimeClasses = checkList(e.runtimeClasses, 'exemptions.runtimeClasses', runtimeClassProblem, problems);
  const exemptUsernames = checkList(e.usernames, 'exemptions.usernames', (u) => (u === '' ? 'username must not be empty' : undefined), problems);
  if (problems.length > 0) throw new PodSecurityConfigError(problems);
  return { defaults: policy, exemptNamespaces, exemptUsernames, exemptRuntimeClasses };
}

const resolved = new WeakMap<object, ResolvedConfiguration | PodSecurityConfigError>();
let resolvedDefault: ResolvedConfiguration | undefined;

/**
 * resolveConfiguration, memoised per configuration object: the engine hands every review the same
 * frozen config, so it is checked once, not per pod. `undefined` means the built-in default.
 */
export function configurationFor(input: unknown): ResolvedConfiguration {
  if (input === undefined || input === null) return (resolvedDefault ??= resolveConfiguration(DEFAULT_CONFIGURATION));
  if (typeof input !== 'object') return resolveConfiguration(input);
  let entry = resolved.get(input);
  if (!entry) {
    try {
      entry = resolveConfiguration(input);
    } catch (error) {
      if (!(error instanceof PodSecurityConfigError)) throw error;
      entry = error;
    }
    resolved.set(input, entry);
  }
  if (entry instanceof PodSecurityConfigError) throw entry;
  return entry;
}
