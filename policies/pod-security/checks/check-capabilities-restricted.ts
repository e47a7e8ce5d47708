/*
 * capabilities_restricted (restricted, v1.22+; replaces capabilities_baseline)
 * Containers must drop ALL capabilities, and may only add back NET_BIND_SERVICE.
 * From v1.25, pods with spec.os.name "windows" are exempt.
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.capabilities.drop
 *   spec.initContainers[*].securityContext.capabilities.drop
 *   spec.ephemeralContainers[*].securityContext.capabilities.drop
 * Allowed values: must include "ALL"
 *
 * Restricted fields:
 *   spec.containers[*].securityContext.capabilities.add
 *   spec.initContainers[*].securityContext.capabilities.add
 *   spec.ephemeralContainers[*].securityContext.capabilities.add
 * Allowed values: undefined/empty, "NET_BIND_SERVICE"
 */
import { CHECK_CAPABILITIES_BASELINE_ID } from './check-capabilities-baseline.js';
import { containerList, joinQuote, nameOf, present, sortedSet, str, visitContainers } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

function capabilitiesRestricted_1_22(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  let missingDropAll: string[] | undefined;
  let addingForbidden: string[] | undefined;
  let forbiddenCapabilities: string[] | undefined;
  visitContainers(podSpec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (!present(capabilities)) {
      (missingDropAll ??= []).push(nameOf(c));
      return;
    }
    const drop = capabilities?.drop;
    if (!Array.isArray(drop) || !drop.includes('ALL')) (missingDropAll ??= []).push(nameOf(c));
    const add = capabilities?.add;
    if (!Array.isArray(add)) return;
    let addedForbidden = false;
    for (const capability of add) {
      if (capability !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        (forbiddenCapabilities ??= []).push(str(capability));
      }
    }
    if (addedForbidden) (addingForbidden ??= []).push(nameOf(c));
  });
  if (!missingDropAll && !addingForbidden) return ALLOWED;
  const details: string[] = [];
  if (missingDropAll) details.push(`${containerList(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden) {
    details.push(
      `${containerList(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCapabilities ?? []))} in securityContext.capabilities.add`,
    );
  }
  return forbidden('unrestricted capabilities', details.join('; '));
}

function capabilitiesRestricted_1_25(podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  if (podSpec.os?.name === 'windows') return ALLOWED;
  return capabilitiesRestricted_1_22(podMetadata, podSpec);
}

export const checkCapabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 22, check: capabilitiesRestricted_1_22, overrideCheckIds: [CHECK_CAPABILITIES_BASELINE_ID] },
    { minimumVersion: 25, check: capabilitiesRestricted_1_25, overrideCheckIds: [CHECK_CAPABILITIES_BASELINE_ID] },
  ],
};
