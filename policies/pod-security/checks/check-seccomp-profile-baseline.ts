/*
 * seccompProfile_baseline (baseline, v1.0+)
 * If seccomp profiles are specified, only runtime default and localhost profiles are allowed.
 *
 * v1.0 - v1.18, restricted fields:
 *   metadata.annotations['seccomp.security.alpha.kubernetes.io/pod']
 *   metadata.annotations['container.seccomp.security.alpha.kubernetes.io/*']
 * Allowed values: 'runtime/default', 'docker/default', 'localhost/*', undefined
 *
 * v1.19+, restricted fields:
 *   spec.securityContext.seccompProfile.type
 *   spec.containers[*].securityContext.seccompProfile.type
 *   spec.initContainers[*].securityContext.seccompProfile.type
 *   spec.ephemeralContainers[*].securityContext.seccompProfile.type
 * Allowed values: 'RuntimeDefault', 'Localhost', undefined
 */
import { containerList, goQuote, joinQuote, nameOf, pluralize, present, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

export const CHECK_SECCOMP_BASELINE_ID = 'seccompProfile_baseline';
const ANNOTATION_KEY_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const ANNOTATION_KEY_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

export function validSeccomp(type: string): boolean {
  return type === 'Localhost' || type === 'RuntimeDefault';
}

function validSeccompAnnotationValue(value: string): boolean {
  return value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');
}

function seccompProfileBaseline_1_0(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const annotations = podMetadata.annotations;
  if (!annotations || typeof annotations !== 'object') return ALLOWED;
  let bad: string[] | undefined;
  const check = (key: string): void => {
    if (!Object.hasOwn(annotations, key)) return;
    const value = str(annotations[key]);
    if (!validSeccompAnnotationValue(value)) (bad ??= []).push(`${key}=${goQuote(value)}`);
  };
  check(ANNOTATION_KEY_POD);
  visitContainers(podSpec, (c) => check(ANNOTATION_KEY_CONTAINER_PREFIX + nameOf(c)));
  if (!bad) return ALLOWED;
  const values = sortedSet(bad);
  return forbidden('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', values.length)} ${values.join(', ')}`);
}

function seccompProfileBaseline_1_19(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const setters: string[] = [];
  const badValues: string[] = [];
  const podProfile = podSpec.securityContext?.seccompProfile;
  if (present(podProfile) && !validSeccomp(str(podProfile?.type))) {
    setters.push('pod');
    badValues.push(str(podProfile?.type));
  }
  let badContainers: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (present(profile) && !validSeccomp(str(profile?.type))) {
      (badContainers ??= []).push(nameOf(c));
      badValues.push(str(profile?.type));
    }
  });
  if (badContainers) setters.push(containerList(badContainers));
  if (setters.length === 0) return ALLOWED;
  return forbidden(
    'seccompProfile',
    `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
  );
}

export const checkSeccompProfileBaseline: Check = {
  id: CHECK_SECCOMP_BASELINE_ID,
  level: 'baseline',
  versions: [
    { minimumVersion: 0, check: seccompProfileBaseline_1_0 },
    { minimumVersion: 19, check: seccompProfileBaseline_1_19 },
  ],
};
