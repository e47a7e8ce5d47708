/**
 * Pod-level `securityContext.seccompProfile: {type: RuntimeDefault}` when neither the pod nor any
 * container (ephemeral ones included) chooses a profile, which is what Pod Security restricted
 * asks for. A profile chosen anywhere, even Unconfined on one container, means the user decided:
 * nothing is added. The legacy seccomp annotations count as a choice too (the apiserver rejects
 * a pod whose annotation and field disagree). Windows pods may not set a seccomp profile.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { allContainers, isWindowsPod } from './containers.js';
import type { PodView } from './pod-template.js';
import { isObject } from './pod-template.js';

const LEGACY_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const LEGACY_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

export function defaultSeccompProfile(pod: PodView): boolean {
  const spec = pod.spec;
  if (isWindowsPod(spec) || choosesProfile(spec) || hasLegacyAnnotation(pod.metadata?.annotations)) return false;
  const existing: unknown = spec.securityContext;
  if (existing !== undefined && existing !== null && !isObject(existing)) return false; // invalid: leave it
  spec.securityContext = { ...(existing ?? {}), seccompProfile: { type: 'RuntimeDefault' } };
  return true;
}

function choosesProfile(spec: V1PodSpec): boolean {
  const sets = (sc: unknown) => isObject(sc) && sc.seccompProfile !== undefined && sc.seccompProfile !== null;
  return sets(spec.securityContext) || allContainers(spec).some((c) => sets(c.securityContext));
}

function hasLegacyAnnotation(annotations: Record<string, string> | undefined): boolean {
  if (!isObject(annotations)) return false;
  return Object.keys(annotations).some(
    (key) => key === LEGACY_POD_ANNOTATION || key.startsWith(LEGACY_CONTAINER_ANNOTATION_PREFIX),
  );
}
