/*
 * windowsHostProcess (baseline, v1.0+)
 * Pod and containers must not set securityContext.windowsOptions.hostProcess to true.
 *
 * Restricted fields:
 *   spec.securityContext.windowsOptions.hostProcess
 *   spec.containers[*].securityContext.windowsOptions.hostProcess
 *   spec.initContainers[*].securityContext.windowsOptions.hostProcess
 *   spec.ephemeralContainers[*].securityContext.windowsOptions.hostProcess
 * Allowed values: undefined, false
 */
import { containerList, nameOf, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function windowsHostProcess_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(podSpec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(nameOf(c));
  });
  const podForbidden = podSpec.securityContext?.windowsOptions?.hostProcess === true;
  if (!podForbidden && bad.length === 0) return ALLOWED;
  const setters: string[] = [];
  if (podForbidden) setters.push('pod');
  if (bad.length > 0) setters.push(containerList(bad));
  return forbidden('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
}

export const checkWindowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: windowsHostProcess_1_0 }],
};
