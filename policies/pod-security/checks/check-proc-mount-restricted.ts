/*
 * procMount_restricted (restricted, v1.35+)
 * The default /proc masks are required by the restricted profile, even in a user namespace.
 * From v1.35 it replaces the baseline procMount check, which relaxed for `hostUsers: false`.
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.procMount
 *   spec.initContainers[*].securityContext.procMount
 *   spec.ephemeralContainers[*].securityContext.procMount
 * Allowed values: undefined/null, "Default"
 */
import { CHECK_PROC_MOUNT_ID, procMount_1_0 } from './check-proc-mount-baseline.js';
import type { Check } from './types.js';

export const checkProcMountRestricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  versions: [{ minimumVersion: 35, check: procMount_1_0, overrideCheckIds: [CHECK_PROC_MOUNT_ID] }],
};
