/*
 * privileged (baseline, v1.0+)
 * Privileged Pods disable most security mechanisms and must be disallowed.
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.privileged
 *   spec.initContainers[*].securityContext.privileged
 *   spec.ephemeralContainers[*].securityContext.privileged
 * Allowed values: false, undefined/null
 */
import { containerList, nameOf, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function privileged_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(podSpec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(nameOf(c));
  });
  if (bad.length === 0) return ALLOWED;
  return forbidden('privileged', `${containerList(bad)} must not set securityContext.privileged=true`);
}

export const checkPrivileged: Check = {
  id: 'privileged',
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: privileged_1_0 }],
};
