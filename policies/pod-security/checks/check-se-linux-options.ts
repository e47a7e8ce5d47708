/*
 * seLinuxOptions (baseline, v1.0+)
 * Setting the SELinux type is restricted, and setting a custom SELinux user or role is forbidden.
 *
 * Restricted fields:
 *   spec.securityContext.seLinuxOptions.type
 *   spec.containers[*].securityContext.seLinuxOptions.type
 *   spec.initContainers[*].securityContext.seLinuxOptions.type
 *   spec.ephemeralContainers[*].securityContext.seLinuxOptions.type
 * Allowed values: undefined/empty, container_t, container_init_t, container_kvm_t,
 *   container_engine_t (v1.31+)
 *
 * Restricted fields:
 *   spec.securityContext.seLinuxOptions.user and .role
 *   spec.containers[*].securityContext.seLinuxOptions.user and .role
 *   spec.initContainers[*].securityContext.seLinuxOptions.user and .role
 *   spec.ephemeralContainers[*].securityContext.seLinuxOptions.user and .role
 * Allowed values: undefined/empty
 */
import { containerList, joinQuote, nameOf, pluralize, present, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec, type SELinuxOptions } from './types.js';

const ALLOWED_TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const ALLOWED_TYPES_1_31: ReadonlySet<string> = new Set([...ALLOWED_TYPES_1_0, 'container_engine_t']);

function seLinuxOptions(podSpec: PodSpec, allowedTypes: ReadonlySet<string>): CheckResult {
  let badTypes: string[] | undefined;
  let setUser = false;
  let setRole = false;
  const valid = (options: SELinuxOptions): boolean => {
    let ok = true;
    const type = str(options.type);
    if (!allowedTypes.has(type)) {
      ok = false;
      (badTypes ??= []).push(type);
    }
    if (str(options.user).length > 0) {
      ok = false;
      setUser = true;
    }
    if (str(options.role).length > 0) {
      ok = false;
      setRole = true;
    }
    return ok;
  };

  const setters: string[] = [];
  const podOptions = podSpec.securityContext?.seLinuxOptions;
  if (present(podOptions) && !valid(podOptions as SELinuxOptions)) setters.push('pod');
  let badContainers: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const options = c.securityContext?.seLinuxOptions;
    if (present(options) && !valid(options as SELinuxOptions)) (badContainers ??= []).push(nameOf(c));
  });
  if (badContainers) setters.push(containerList(badContainers));
  if (setters.length === 0) return ALLOWED;

  const badData: string[] = [];
  if (badTypes) {
    const types = sortedSet(badTypes);
    badData.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
  }
  if (setUser) badData.push('user may not be set');
  if (setRole) badData.push('role may not be set');
  return forbidden('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${badData.join('; ')}`);
}

const seLinuxOptions_1_0 = (_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult => seLinuxOptions(podSpec, ALLOWED_TYPES_1_0);
const seLinuxOptions_1_31 = (_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult => seLinuxOptions(podSpec, ALLOWED_TYPES_1_31);

export const checkSeLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, check: seLinuxOptions_1_0 },
    { minimumVersion: 31, check: seLinuxOptions_1_31 },
  ],
};
