/*
 * appArmorProfile (baseline, v1.0+)
 * On supported hosts the 'runtime/default' AppArmor profile applies by default; baseline prevents
 * overriding or disabling it, or restricts overrides to an allowed set of profiles.
 *
 * Restricted fields:
 *   metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']
 * Allowed values: 'runtime/default', 'localhost/*', empty, undefined
 *
 * Restricted fields:
 *   spec.securityContext.appArmorProfile.type
 *   spec.containers[*].securityContext.appArmorProfile.type
 *   spec.initContainers[*].securityContext.appArmorProfile.type
 *   spec.ephemeralContainers[*].securityContext.appArmorProfile.type
 * Allowed values: 'RuntimeDefault', 'Localhost', undefined
 */
import { containerList, goQuote, joinQuote, nameOf, pluralize, present, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedAnnotationValue(profile: string): boolean {
  return profile.length === 0 || profile === 'runtime/default' || profile.startsWith('localhost/');
}

function allowedProfileType(type: string): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

function appArmorProfile_1_0(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const setters: string[] = [];
  const badValues: string[] = [];
  const podProfile = podSpec.securityContext?.appArmorProfile;
  if (present(podProfile) && !allowedProfileType(str(podProfile?.type))) {
    setters.push('pod');
    badValues.push(str(podProfile?.type));
  }
  const badContainers: string[] = [];
  visitContainers(podSpec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (present(profile) && !allowedProfileType(str(profile?.type))) {
      badContainers.push(nameOf(c));
      badValues.push(str(profile?.type));
    }
  });
  if (badContainers.length > 0) setters.push(containerList(badContainers));

  const forbiddenAnnotations: string[] = [];
  const annotations = podMetadata.annotations;
  if (annotations && typeof annotations === 'object') {
    for (const key in annotations) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      const value = str(annotations[key]);
      if (!allowedAnnotationValue(value)) forbiddenAnnotations.push(`${key}=${goQuote(value)}`);
    }
  }
  if (setters.length === 0 && forbiddenAnnotations.length === 0) return ALLOWED;

  const values = sortedSet(badValues);
  if (forbiddenAnnotations.length > 0) {
    values.push(...sortedSet(forbiddenAnnotations));
    setters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  }
  return forbidden(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  );
}

export const checkAppArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: appArmorProfile_1_0 }],
};
