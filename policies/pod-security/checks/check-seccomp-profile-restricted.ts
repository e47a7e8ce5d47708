/*
 * seccompProfile_restricted (restricted, v1.19+; replaces seccompProfile_baseline)
 * A seccomp profile must be set, and only the runtime default and localhost profiles are allowed.
 * Container-level fields may be unset when the pod level sets an allowed profile.
 * From v1.25, pods with spec.os.name "windows" are exempt.
 *
 * Restricted fields:
 *   spec.securityContext.seccompProfile.type
 *   spec.containers[*].securityContext.seccompProfile.type
 *   spec.initContainers[*].securityContext.seccompProfile.type
 *   spec.ephemeralContainers[*].securityContext.seccompProfile.type
 * Allowed values: 'RuntimeDefault', 'Localhost'
 */
import { CHECK_SECCOMP_BASELINE_ID, validSeccomp } from './check-seccomp-profile-baseline.js';
import { containerList, joinQuote, nameOf, present, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function seccompProfileRestricted_1_19(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const setters: string[] = [];
  let badValues: string[] | undefined;
  let podSeccompSet = false;
  const podProfile = podSpec.securityContext?.seccompProfile;
  if (present(podProfile)) {
    if (!validSeccomp(str(podProfile?.type))) {
      setters.push('pod');
      (badValues ??= []).push(str(podProfile?.type));
    } else {
      podSeccompSet = true;
    }
  }
  let explicitlyBad: string[] | undefined;
  let implicitlyBad: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (present(profile)) {
      if (!validSeccomp(str(profile?.type))) {
        (explicitlyBad ??= []).push(nameOf(c));
        (badValues ??= []).push(str(profile?.type));
      }
    } else if (!podSeccompSet) {
      (implicitlyBad ??= []).push(nameOf(c));
    }
  });
  if (explicitlyBad) setters.push(containerList(explicitlyBad));
  if (setters.length > 0) {
    return forbidden(
      'seccompProfile',
      `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues ?? []))}`,
    );
  }
  if (implicitlyBad) {
    return forbidden(
      'seccompProfile',
      `pod or ${containerList(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  }
  return ALLOWED;
}

function seccompProfileRestricted_1_25(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (podSpec.os?.name === 'windows') return ALLOWED;
  return seccompProfileRestricted_1_19(podMetadata, podSpec);
}

export const checkSeccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 19, check: seccompProfileRestricted_1_19, overrideCheckIds: [CHECK_SECCOMP_BASELINE_ID] },
    { minimumVersion: 25, check: seccompProfileRestricted_1_25, overrideCheckIds: [CHECK_SECCOMP_BASELINE_ID] },
  ],
};
