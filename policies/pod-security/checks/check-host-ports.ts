/*
 * hostPorts (baseline, v1.0+)
 * HostPort ports must be forbidden.
 *
 * Restricted fields:
 *   spec.containers[*].ports[*].hostPort
 *   spec.initContainers[*].ports[*].hostPort
 *   spec.ephemeralContainers[*].ports[*].hostPort
 * Allowed values: undefined, 0
 */
import { containerList, nameOf, pluralize, sortedSet, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function hostPorts_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let bad: string[] | undefined;
  let ports: string[] | undefined;
  visitContainers(podSpec, (c) => {
    if (!Array.isArray(c.ports)) return;
    let valid = true;
    for (const port of c.ports) {
      const hostPort = port?.hostPort;
      if (typeof hostPort === 'number' && hostPort !== 0) {
        valid = false;
        (ports ??= []).push(String(hostPort));
      }
    }
    if (!valid) (bad ??= []).push(nameOf(c));
  });
  if (!bad) return ALLOWED;
  const distinct = sortedSet(ports ?? []);
  return forbidden(
    'hostPort',
    `${containerList(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', distinct.length)} ${distinct.join(', ')}`,
  );
}

export const checkHostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: hostPorts_1_0 }],
};
