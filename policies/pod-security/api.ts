/**
 * Pod Security levels, policy versions and the namespace labels that select them, with the exact
 * parsing rules of Kubernetes' pod-security-admission `api` package: an unknown level reads as
 * `restricted` (fail closed) and an unknown version as `latest`, each with an error the caller
 * records; audit/warn fall back to `privileged` instead (they can only ever add noise).
 */

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A policy version: `latest`, or v1.<minor>. Major is always 1, as upstream assumes. */
export interface Version {
  readonly latest: boolean;
  /** the minor number; Infinity for latest so that comparisons need no special case */
  readonly minor: number;
  /** `latest` or `v1.<minor>` */
  readonly text: string;
}

export interface LevelVersion {
  readonly level: Level;
  readonly version: Version;
}

export interface ModePolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** Audit annotation keys Pod Security Admission sets (its own prefix is added by whoever reports them). */
export const EXEMPTION_REASON_ANNOTATION = 'exempt';
export const AUDIT_VIOLATIONS_ANNOTATION = 'audit-violations';
export const ENFORCED_POLICY_ANNOTATION = 'enforce-policy';
export const ERROR_ANNOTATION = 'error';

export const LATEST: Version = Object.freeze({ latest: true, minor: Infinity, text: 'latest' });

const versionCache = new Map<number, Version>();
export function minorVersion(minor: number): Version {
  let version = versionCache.get(minor);
  if (!version) {
    version = Object.freeze({ latest: false, minor, text: `v1.${minor}` });
    if (versionCache.size < 1000) versionCache.set(minor, version);
  }
  return version;
}

export const LEVEL_ERROR = 'must be one of privileged, baseline, restricted';
export const VERSION_ERROR = 'must be "latest" or "v1.x"';

export type Parsed<T> = { value: T; error?: undefined } | { value: T; error: string };

export function parseLevel(text: string): Parsed<Level> {
  if (text === 'privileged' || text === 'baseline' || text === 'restricted') return { value: text };
  return { value: 'restricted', error: LEVEL_ERROR };
}

// v1.0, v1.7, v1.123 - no leading zeros, as upstream's ^v1\.([0-9]|[1-9][0-9]*)$
const VERSION_PATTERN = /^v1\.([0-9]|[1-9][0-9]*)$/;

export function parseVersion(text: string): Parsed<Version> {
  if (text === 'latest') return { value: LATEST };
  const match = VERSION_PATTERN.exec(text);
  const minor = match ? Number(match[1]) : NaN;
  // Go's Atoi fails past int64; treat anything not exactly representable the same way
  if (!Number.isSafeInteger(minor)) return { value: LATEST, error: VERSION_ERROR };
  return { value: minorVersion(minor) };
}

export function levelVersionText(lv: LevelVersion): string {
  return `${lv.level}:${lv.version.text}`;
}

/** Same level and version (privileged at any version counts as the same thing only in `equivalent`). */
export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version.latest === b.version.latest && a.version.minor === b.version.minor;
}

/** -1, 0, 1: how `a` compares to `b` in strictness. */
export function compareLevels(a: Level, b: Level): number {
  if (a === b) return 0;
  if (a === 'privileged') return -1;
  if (a === 'restricted') return 1;
  return b === 'privileged' ? 1 : -1;
}

export function fullyPrivileged(policy: ModePolicy): boolean {
  return policy.enforce.level === 'privileged' && policy.audit.level === 'privileged' && policy.warn.level === 'privileged';
}

/** One problem with a namespace label, worded as Kubernetes' field.Invalid error. */
export interface LabelError {
  label: string;
  value: string;
  message: string;
}

export function labelErrorText(error: LabelError): string {
  return `metadata.labels[${error.label}]: Invalid value: ${JSON.stringify(error.value)}: ${error.message}`;
}

/** Like apimachinery's errors.NewAggregate(...).Error(): one message alone, several in brackets. */
export function aggregateErrorText(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

/**
 * The policy for a namespace: its labels over the configured defaults (upstream PolicyToEvaluate).
 * A policy is always returned; label problems are returned beside it.
 */
export function policyToEvaluate(labels: Readonly<Record<string, unknown>> | undefined, defaults: ModePolicy): { policy: ModePolicy; errors: LabelError[] } {
  const policy: ModePolicy = { enforce: defaults.enforce, audit: defaults.audit, warn: defaults.warn };
  const errors: LabelError[] = [];
  if (!labels) return { policy, errors };
  const label = (key: string): string | undefined => {
    const value = labels[key];
    return typeof value === 'string' ? value : undefined;
  };
  const note = (key: string, value: string, error: string | undefined): void => {
    if (error) errors.push({ label: key, value, message: error });
  };

  let hasEnforceLevel = false;
  const enforceLevel = label(ENFORCE_LEVEL_LABEL);
  if (enforceLevel !== undefined) {
    const parsed = parseLevel(enforceLevel);
    policy.enforce = { level: parsed.value, version: policy.enforce.version };
    hasEnforceLevel = parsed.error === undefined; // an invalid enforce label does not drag warn along
    note(ENFORCE_LEVEL_LABEL, enforceLevel, parsed.error);
  }
  const enforceVersion = label(ENFORCE_VERSION_LABEL);
  if (enforceVersion !== undefined) {
    const parsed = parseVersion(enforceVersion);
    policy.enforce = { level: policy.enforce.level, version: parsed.value };
    note(ENFORCE_VERSION_LABEL, enforceVersion, parsed.error);
  }
  const auditLevel = label(AUDIT_LEVEL_LABEL);
  if (auditLevel !== undefined) {
    const parsed = parseLevel(auditLevel);
    policy.audit = { level: parsed.error ? 'privileged' : parsed.value, version: policy.audit.version };
    note(AUDIT_LEVEL_LABEL, auditLevel, parsed.error);
  }
  const auditVersion = label(AUDIT_VERSION_LABEL);
  if (auditVersion !== undefined) {
    const parsed = parseVersion(auditVersion);
    policy.audit = { level: policy.audit.level, version: parsed.value };
    note(AUDIT_VERSION_LABEL, auditVersion, parsed.error);
  }
  const warnLevel = label(WARN_LEVEL_LABEL);
  if (warnLevel !== undefined) {
    const parsed = parseLevel(warnLevel);
    policy.warn = { level: parsed.error ? 'privileged' : parsed.value, version: policy.warn.version };
    note(WARN_LEVEL_LABEL, warnLevel, parsed.error);
  }
  const warnVersion = label(WARN_VERSION_LABEL);
  if (warnVersion !== undefined) {
    const parsed = parseVersion(warnVersion);
    policy.warn = { level: policy.warn.level, version: parsed.value };
    note(WARN_VERSION_LABEL, warnVersion, parsed.error);
  }
  // a namespace that enforces something stricter than the default warn level warns at that level too
  if (warnLevel === undefined && hasEnforceLevel && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn = { level: policy.enforce.level, version: warnVersion === undefined ? policy.enforce.version : policy.warn.version };
  }
  return { policy, errors };
}
