/** Runs one check record at one policy version, for the per-check tests beside each check. */
import type { Check, CheckResult, Container, PodMetadata, PodSpec } from '../../policies/pod-security/checks/types.js';

/** The implementation of `check` in force at v1.<minor> (undefined before the check exists). */
export function runCheck(check: Check, minor: number, spec: PodSpec, metadata: PodMetadata = {}): CheckResult | undefined {
  let found: Check['versions'][number] | undefined;
  for (const v of check.versions) if (v.minimumVersion <= minor) found = v;
  return found?.check(metadata, spec);
}

/** `{ reason, detail }` of a forbidden result, or 'allowed'. */
export function verdict(check: Check, minor: number, spec: PodSpec, metadata: PodMetadata = {}): 'allowed' | 'not in this version' | { reason?: string; detail?: string } {
  const result = runCheck(check, minor, spec, metadata);
  if (!result) return 'not in this version';
  return result.allowed ? 'allowed' : { reason: result.forbiddenReason, detail: result.forbiddenDetail };
}

export function containers(...list: [string, Container['securityContext']?][]): Container[] {
  return list.map(([name, securityContext]) => (securityContext === undefined ? { name, image: 'x' } : { name, image: 'x', securityContext }));
}
