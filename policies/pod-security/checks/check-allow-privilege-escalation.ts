/*
 * allowPrivilegeEscalation (restricted, v1.8+)
 * Privilege escalation (such as via set-user-ID or set-group-ID file mode) must not be allowed.
 * From v1.25, pods with spec.os.name "windows" are exempt (the field cannot be set for them).
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.allowPrivilegeEscalation
 *   spec.initContainers[*].securityContext.allowPrivilegeEscalation
 *   spec.ephemeralContainers[*].securityContext.allowPrivilegeEscalation
 * Allowed values: false
 */
import { containerList, nameOf, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function allowPrivilegeEscalation_1_8(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let bad: string[] | undefined;
  visitContainers(podSpec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) (bad ??= []).push(nameOf(c));
  });
  if (!bad) return ALLOWED;
  return forbidden('allowPrivilegeEscalation != false', `${containerList(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

function allowPrivilegeEscalation_1_25(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (podSpec.os?.name === 'windows') return ALLOWED;
  return allowPrivilegeEscalation_1_8(podMetadata, podSpec);
}

export const checkAllowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  versions: [
    { minimumVersion: 8, check: allowPrivilegeEscalation_1_8 },
    { minimumVersion: 25, check: allowPrivilegeEscalation_1_25 },
  ],
};
