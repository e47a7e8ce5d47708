/*
 * procMount (baseline, v1.0+)
 * The default /proc masks reduce attack surface and are required, unless (v1.35+) the pod runs in
 * a user namespace (`hostUsers: false`).
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.procMount
 *   spec.initContainers[*].securityContext.procMount
 *   spec.ephemeralContainers[*].securityContext.procMount
 * Allowed values: undefined/null, "Default" (v1.35+: any value when spec.hostUsers is false)
 */
import { containerList, joinQuote, nameOf, relaxPolicyForUserNamespacePod, sortedSet, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

export const CHECK_PROC_MOUNT_ID = 'procMount';

/** Unmasked (or any non-Default) procMount is refused whatever the pod's user namespace. */
export function procMount_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let bad: string[] | undefined;
  let types: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const procMount = c.securityContext?.procMount;
    if (procMount === undefined || procMount === null || procMount === 'Default') return;
    (bad ??= []).push(nameOf(c));
    (types ??= []).push(String(procMount));
  });
  if (!bad) return ALLOWED;
  return forbidden('procMount', `${containerList(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types ?? []))}`);
}

function procMount_1_35baseline(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) return ALLOWED;
  return procMount_1_0(podMetadata, podSpec);
}

export const checkProcMountBaseline: Check = {
  id: CHECK_PROC_MOUNT_ID,
  level: 'baseline',
  versions: [
    { minimumVersion: 0, check: procMount_1_0 },
    { minimumVersion: 35, check: procMount_1_35baseline },
  ],
};
