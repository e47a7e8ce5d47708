/**
 * The one place every check is registered, and the evaluator built from them (upstream
 * policy/registry.go): for each level and each policy version v1.0 .. newest known, the list of
 * check implementations that apply, computed once at load. Evaluating a pod is then an array lookup
 * and one call per check.
 *
 * Rules, as upstream: baseline checks also run for restricted, except those a restricted check
 * overrides at that version; checks run in ID order, baseline first, then restricted; versions newer
 * than the newest known (and `latest`) use the newest known; `privileged` runs nothing.
 */
import { parseVersion, type Level, type Version } from './api.js';
import { checkAllowPrivilegeEscalation } from './checks/check-allow-privilege-escalation.js';
import { checkAppArmorProfile } from './checks/check-app-armor-profile.js';
import { checkCapabilitiesBaseline } from './checks/check-capabilities-baseline.js';
import { checkCapabilitiesRestricted } from './checks/check-capabilities-restricted.js';
import { checkHostNamespaces } from './checks/check-host-namespaces.js';
import { checkHostPathVolumes } from './checks/check-host-path-volumes.js';
import { checkHostPorts } from './checks/check-host-ports.js';
import { checkHostProbesAndHostLifecycle } from './checks/check-host-probes-and-host-lifecycle.js';
import { checkPrivileged } from './checks/check-privileged.js';
import { checkProcMountBaseline } from './checks/check-proc-mount-baseline.js';
import { checkProcMountRestricted } from './checks/check-proc-mount-restricted.js';
import { checkRestrictedVolumes } from './checks/check-restricted-volumes.js';
import { checkRunAsNonRoot } from './checks/check-run-as-non-root.js';
import { checkRunAsUser } from './checks/check-run-as-user.js';
import { checkSeccompProfileBaseline } from './checks/check-seccomp-profile-baseline.js';
import { checkSeccompProfileRestricted } from './checks/check-seccomp-profile-restricted.js';
import { checkSeLinuxOptions } from './checks/check-se-linux-options.js';
import { checkSysctls } from './checks/check-sysctls.js';
import { checkWindowsHostProcess } from './checks/check-windows-host-process.js';
import type { Check, CheckPodFn, CheckResult, PodMetadata, PodSpec } from './checks/types.js';

export const DEFAULT_CHECKS: readonly Check[] = [
  checkAppArmorProfile,
  checkCapabilitiesBaseline,
  checkHostNamespaces,
  checkHostPathVolumes,
  checkHostPorts,
  checkHostProbesAndHostLifecycle,
  checkPrivileged,
  checkProcMountBaseline,
  checkSeccompProfileBaseline,
  checkSeLinuxOptions,
  checkSysctls,
  checkWindowsHostProcess,
  checkAllowPrivilegeEscalation,
  checkCapabilitiesRestricted,
  checkProcMountRestricted,
  checkRestrictedVolumes,
  checkRunAsNonRoot,
  checkRunAsUser,
  checkSeccompProfileRestricted,
];

export class CheckRegistryError extends Error {
  readonly code = 'POD_SECURITY_CHECKS';
  constructor(message: string) {
    super(message);
    this.name = 'CheckRegistryError';
  }
}

/** One check as it runs at one level and version: the implementation and its shared "allowed" result. */
interface BoundCheck {
  readonly id: string;
  readonly check: CheckPodFn;
  readonly allowed: CheckResult;
}

export interface Evaluator {
  /** the newest policy version any check knows (v1.37 for this snapshot) */
  readonly maxVersion: Version;
  /** IDs of the checks that run at a level and version, in evaluation order */
  checkIds(level: Level, version: Version | string): readonly string[];
  /**
   * Runs every check of `level` at `version` against the pod. Each result carries its check `id`;
   * allowed results are shared frozen objects (do not mutate).
   */
  evaluate(level: Level, version: Version | string, podMetadata: PodMetadata, podSpec: PodSpec): CheckResult[];
}

function validateChecks(checks: readonly Check[]): void {
  const levels = new Map<string, string>();
  for (const check of checks) {
    if (levels.has(check.id)) throw new CheckRegistryError(`multiple checks registered for ID ${check.id}`);
    levels.set(check.id, check.level);
    if (check.level !== 'baseline' && check.level !== 'restricted') throw new CheckRegistryError(`check ${check.id}: invalid level ${String(check.level)}`);
    if (check.versions.length === 0) throw new CheckRegistryError(`check ${check.id}: empty`);
    let previous = -1;
    for (const v of check.versions) {
      if (!Number.isInteger(v.minimumVersion) || v.minimumVersion < 0) throw new CheckRegistryError(`check ${check.id}: invalid version ${v.minimumVersion}`);
      if (v.minimumVersion <= previous) throw new CheckRegistryError(`check ${check.id}: versions must be strictly increasing`);
      previous = v.minimumVersion;
    }
  }
  for (const check of checks) {
    for (const v of check.versions) {
      if (!v.overrideCheckIds?.length) continue;
      if (check.level !== 'restricted') throw new CheckRegistryError(`check ${check.id}: only restricted checks may set overrides`);
      for (const id of v.overrideCheckIds) {
        const level = levels.get(id);
        if (level !== undefined && level !== 'baseline') throw new CheckRegistryError(`check ${check.id}: overrides ${level} check ${id}`);
      }
    }
  }
}

const byteOrder = (a: Check, b: Check): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The implementation of `check` that applies at minor version `minor`, if any. */
function versionAt(check: Check, minor: number): Check['versions'][number] | undefined {
  let found: Check['versions'][number] | undefined;
  for (const v of check.versions) if (v.minimumVersion <= minor) found = v;
  return found;
}

export function createEvaluator(checks: readonly Check[] = DEFAULT_CHECKS): Evaluator {
  validateChecks(checks);
  const ordered = [
    ...checks.filter((c) => c.level === 'baseline').sort(byteOrder),
    ...checks.filter((c) => c.level === 'restricted').sort(byteOrder),
  ];
  let maxMinor = 0;
  for (const check of checks) maxMinor = Math.max(maxMinor, check.versions[check.versions.length - 1]?.minimumVersion ?? 0);

  const bound = new Map<string, Map<CheckPodFn, BoundCheck>>();
  const bind = (id: string, check: CheckPodFn): BoundCheck => {
    let forId = bound.get(id);
    if (!forId) bound.set(id, (forId = new Map()));
    let b = forId.get(check);
    if (!b) forId.set(check, (b = Object.freeze({ id, check, allowed: Object.freeze({ allowed: true, id }) })));
    return b;
  };

  const baseline: BoundCheck[][] = [];
  const restricted: BoundCheck[][] = [];
  for (let minor = 0; minor <= maxMinor; minor++) {
    const overridden = new Set<string>();
    for (const check of ordered) {
      if (check.level !== 'restricted') continue;
      for (const id of versionAt(check, minor)?.overrideCheckIds ?? []) overridden.add(id);
    }
    const forBaseline: BoundCheck[] = [];
    const forRestricted: BoundCheck[] = [];
    for (const check of ordered) {
      const v = versionAt(check, minor);
      if (!v) continue;
      const b = bind(check.id, v.check);
      if (check.level === 'baseline') {
        forBaseline.push(b);
        if (!overridden.has(check.id)) forRestricted.push(b);
      } else {
        forRestricted.push(b);
      }
    }
    baseline.push(forBaseline);
    restricted.push(forRestricted);
  }
  const maxVersion = parseVersion(`v1.${maxMinor}`).value;
  const NONE: readonly BoundCheck[] = Object.freeze([]);

  const table = (level: Level, version: Version | string): readonly BoundCheck[] => {
    if (level === 'privileged') return NONE;
    const v = typeof version === 'string' ? parseStrictVersion(version) : version;
    const minor = Math.min(v.minor, maxMinor);
    const tables = level === 'baseline' ? baseline : level === 'restricted' ? restricted : undefined;
    if (!tables) throw new CheckRegistryError(`unknown level ${JSON.stringify(level)}: must be one of privileged, baseline, restricted`);
    return tables[minor] ?? NONE;
  };

  return {
    maxVersion,
    checkIds: (level, version) => table(level, version).map((b) => b.id),
    evaluate(level, version, podMetadata, podSpec) {
      const checksToRun = table(level, version);
      const results: CheckResult[] = new Array<CheckResult>(checksToRun.length);
      for (let i = 0; i < checksToRun.length; i++) {
        const b = checksToRun[i] as BoundCheck;
        const result = b.check(podMetadata, podSpec);
        results[i] = result.allowed ? b.allowed : { ...result, id: b.id };
      }
      return results;
    },
  };
}

function parseStrictVersion(text: string): Version {
  const parsed = parseVersion(text);
  if (parsed.error) throw new CheckRegistryError(`invalid version ${JSON.stringify(text)}: ${parsed.error}`);
  return parsed.value;
}

/** The evaluator over every built-in check. */
export const defaultEvaluator: Evaluator = createEvaluator();

/** evaluate(level, version, podMetadata, podSpec) with the built-in checks. */
export function evaluate(level: Level, version: Version | string, podMetadata: PodMetadata, podSpec: PodSpec): CheckResult[] {
  return defaultEvaluator.evaluate(level, version, podMetadata, podSpec);
}

/** The aggregate of one evaluation, as upstream AggregateCheckResults. */
export interface AggregateResult {
  allowed: boolean;
  /** the forbidden results, in evaluation order */
  forbidden: CheckResult[];
}

export const UNKNOWN_FORBIDDEN_REASON = 'unknown forbidden reason';

export function aggregate(results: readonly CheckResult[]): AggregateResult {
  let forbidden: CheckResult[] | undefined;
  for (const r of results) if (!r.allowed) (forbidden ??= []).push(r);
  return forbidden ? { allowed: false, forbidden } : ALLOWED_AGGREGATE;
}

const ALLOWED_AGGREGATE: AggregateResult = Object.freeze({ allowed: true, forbidden: Object.freeze([]) as unknown as CheckResult[] });

/** `reason (detail), reason2, reason3 (detail3)` - upstream ForbiddenDetail(). */
export function forbiddenDetail(aggregateResult: AggregateResult): string {
  let text = '';
  aggregateResult.forbidden.forEach((r, i) => {
    if (i > 0) text += ', ';
    text += r.forbiddenReason || UNKNOWN_FORBIDDEN_REASON;
    if (r.forbiddenDetail) text += ` (${r.forbiddenDetail})`;
  });
  return text;
}

/** `reason, reason2` - upstream ForbiddenReason(). */
export function forbiddenReason(aggregateResult: AggregateResult): string {
  return aggregateResult.forbidden.map((r) => r.forbiddenReason || UNKNOWN_FORBIDDEN_REASON).join(', ');
}
