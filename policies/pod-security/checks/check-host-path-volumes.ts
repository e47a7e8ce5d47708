/*
 * hostPathVolumes (baseline, v1.0+)
 * HostPath volumes must be forbidden.
 *
 * Restricted fields:
 *   spec.volumes[*].hostPath
 * Allowed values: undefined/null
 */
import { joinQuote, pluralize, present, str } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec } from './types.js';

export const CHECK_HOST_PATH_VOLUMES_ID = 'hostPathVolumes';

function hostPathVolumes_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const volumes = podSpec.volumes;
  if (!Array.isArray(volumes)) return ALLOWED;
  let bad: string[] | undefined;
  for (const volume of volumes) {
    if (present(volume?.hostPath)) (bad ??= []).push(str(volume.name));
  }
  if (!bad) return ALLOWED;
  return forbidden('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`);
}

export const checkHostPathVolumes: Check = {
  id: CHECK_HOST_PATH_VOLUMES_ID,
  level: 'baseline',
  versions: [{ minimumVersion: 0, check: hostPathVolumes_1_0 }],
};
