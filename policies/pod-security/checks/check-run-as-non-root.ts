/*
 * runAsNonRoot (restricted, v1.0+)
 * Containers must run as non-root users, unless (v1.35+) the pod runs in a user namespace
 * (`hostUsers: false`).
 *
 * Restricted fields:
 *   spec.securityContext.runAsNonRoot
 *   spec.containers[*].securityContext.runAsNonRoot
 *   spec.initContainers[*].securityContext.runAsNonRoot
 *   spec.ephemeralContainers[*].securityContext.runAsNonRoot
 * Allowed values: true; undefined/null at container level when the pod level is true;
 *   any value when spec.hostUsers is false (v1.35+)
 */
import { containerList, nameOf, relaxPolicyForUserNamespacePod, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function runAsNonRoot_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const setters: string[] = [];
  const podValue = podSpec.securityContext?.runAsNonRoot;
  let podRunAsNonRoot = false;
  if (podValue !== undefined && podValue !== null) {
    if (!podValue) setters.push('pod');
    else podRunAsNonRoot = true;
  }
  let explicitlyBad: string[] | undefined;
  let implicitlyBad: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const value = c.securityContext?.runAsNonRoot;
    if (value !== undefined && value !== null) {
      if (!value) (explicitlyBad ??= []).push(nameOf(c));
    } else if (!podRunAsNonRoot) {
      (implicitlyBad ??= []).push(nameOf(c));
    }
  });
  if (explicitlyBad) setters.push(containerList(explicitlyBad));
  if (setters.length > 0) {
    return forbidden('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  }
  if (implicitlyBad) {
    return forbidden('runAsNonRoot != true', `pod or ${containerList(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  }
  return ALLOWED;
}

function runAsNonRoot_1_35(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) return ALLOWED;
  return runAsNonRoot_1_0(podMetadata, podSpec);
}

export const checkRunAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  versions: [
    { minimumVersion: 0, check: runAsNonRoot_1_0 },
    { minimumVersion: 35, check: runAsNonRoot_1_35 },
  ],
};
