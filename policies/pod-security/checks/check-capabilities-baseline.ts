/*
 * capabilities_baseline (baseline, v1.0+)
 * Adding NET_RAW or capabilities beyond the default set must be disallowed.
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.capabilities.add
 *   spec.initContainers[*].securityContext.capabilities.add
 *   spec.ephemeralContainers[*].securityContext.capabilities.add
 * Allowed values: undefined/empty, or values from the default set AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
 *   FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT
 */
import { containerList, joinQuote, nameOf, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

export const CHECK_CAPABILITIES_BASELINE_ID = 'capabilities_baseline';

const ALLOWED_1_0: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let bad: string[] | undefined;
  let nonDefault: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const add = c.securityContext?.capabilities?.add;
    if (!Array.isArray(add)) return;
    let valid = true;
    for (const capability of add) {
      if (!ALLOWED_1_0.has(str(capability))) {
        valid = false;
        (nonDefault ??= []).push(str(capability));
      }
    }
    if (!valid) (bad ??= []).push(nameOf(c));
  });
  if (!bad) return ALLOWED;
  return forbidden(
    'non-default capabilities',
    `${containerList(bad)} must not include ${joinQuote(sortedSet(nonDefault ?? []))} in securityContext.capabilities.add`,
  );
}

export const checkCapabilitiesBaseline: Check = {
  id: CHECK_CAPABILITIES_BASELINE_ID,
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: capabilitiesBaseline_1_0 }],
};
