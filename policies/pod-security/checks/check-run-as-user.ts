/*
 * runAsUser (restricted, v1.23+)
 * Containers must not set runAsUser 0, unless (v1.35+) the pod runs in a user namespace
 * (`hostUsers: false`).
 *
 * Restricted fields:
 *   spec.securityContext.runAsUser
 *   spec.containers[*].securityContext.runAsUser
 *   spec.initContainers[*].securityContext.runAsUser
 *   spec.ephemeralContainers[*].securityContext.runAsUser
 * Allowed values: non-zero values, undefined/null; any value when spec.hostUsers is false (v1.35+)
 */
import { containerList, nameOf, relaxPolicyForUserNamespacePod, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function runAsUser_1_23(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (podSpec.securityContext?.runAsUser === 0) setters.push('pod');
  let bad: string[] | undefined;
  visitContainers(podSpec, (c) => {
    if (c.securityContext?.runAsUser === 0) (bad ??= []).push(nameOf(c));
  });
  if (bad) setters.push(containerList(bad));
  if (setters.length === 0) return ALLOWED;
  return forbidden('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`);
}

function runAsUser_1_35(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) return ALLOWED;
  return runAsUser_1_23(podMetadata, podSpec);
}

export const checkRunAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  versions: [
    { minimumVersion: 23, check: runAsUser_1_23 },
    { minimumVersion: 35, check: runAsUser_1_35 },
  ],
};
