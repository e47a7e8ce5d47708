/*
 * hostNamespaces (baseline, v1.0+)
 * Sharing the host network, PID and IPC namespaces must be disallowed.
 *
 * Restricted fields:
 *   spec.hostNetwork
 *   spec.hostPID
 *   spec.hostIPC
 * Allowed values: undefined, false
 */
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function hostNamespaces_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (podSpec.hostNetwork !== true && podSpec.hostPID !== true && podSpec.hostIPC !== true) return ALLOWED;
  const shared: string[] = [];
  if (podSpec.hostNetwork === true) shared.push('hostNetwork=true');
  if (podSpec.hostPID === true) shared.push('hostPID=true');
  if (podSpec.hostIPC === true) shared.push('hostIPC=true');
  return forbidden('host namespaces', shared.join(', '));
}

export const checkHostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: hostNamespaces_1_0 }],
};
