/** The containers the defaults touch: regular and init containers. Ephemeral containers are
 * debugging sessions added to a running pod through their own subresource: left as they are. */
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { isObject } from './pod-template.js';

export function mutableContainers(spec: V1PodSpec): V1Container[] {
  const result: V1Container[] = [];
  for (const list of [spec.initContainers, spec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) if (isObject(container)) result.push(container);
  }
  return result;
}

/** Every container including ephemeral ones (for "does any container set X" questions). */
export function allContainers(spec: V1PodSpec): Record<string, unknown>[] {
  const result: Record<string, unknown>[] = [];
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) if (isObject(container)) result.push(container);
  }
  return result;
}

/** Windows pods may not set seccompProfile or allowPrivilegeEscalation (API validation), and
 * Pod Security restricted does not ask them to. */
export function isWindowsPod(spec: V1PodSpec): boolean {
  if (isObject(spec.os) && spec.os.name === 'windows') return true;
  const hostProcess = (sc: unknown) =>
    isObject(sc) && isObject(sc.windowsOptions) && sc.windowsOptions.hostProcess === true;
  return hostProcess(spec.securityContext) || allContainers(spec).some((c) => hostProcess(c.securityContext));
}
