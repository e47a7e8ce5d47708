/**
 * Container-level `securityContext.allowPrivilegeEscalation: false` where it is unset, for regular
 * and init containers (Pod Security restricted requires false). Skipped where API validation
 * forbids false: privileged containers and containers that add CAP_SYS_ADMIN (we also treat
 * SYS_ADMIN, the spelling container runtimes accept, as the same capability), and Windows pods.
 */
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { isWindowsPod, mutableContainers } from './containers.js';
import { isObject } from './pod-template.js';

export function defaultAllowPrivilegeEscalation(spec: V1PodSpec): boolean {
  if (isWindowsPod(spec)) return false;
  let changed = false;
  for (const container of mutableContainers(spec)) {
    const existing: unknown = container.securityContext;
    if (existing !== undefined && existing !== null && !isObject(existing)) continue; // invalid: leave it
    const sc = (existing ?? {}) as NonNullable<V1Container['securityContext']>;
    if (sc.allowPrivilegeEscalation !== undefined && sc.allowPrivilegeEscalation !== null) continue;
    if (sc.privileged === true || addsSysAdmin(sc.capabilities)) continue;
    container.securityContext = { ...sc, allowPrivilegeEscalation: false };
    changed = true;
  }
  return changed;
}

function addsSysAdmin(capabilities: unknown): boolean {
  if (!isObject(capabilities) || !Array.isArray(capabilities.add)) return false;
  return capabilities.add.some(
    (cap) => typeof cap === 'string' && cap.toUpperCase().replace(/^CAP_/, '') === 'SYS_ADMIN',
  );
}
