/*
 * restrictedVolumes (restricted, v1.0+; replaces hostPathVolumes)
 * Besides forbidding hostPath volumes, restricted limits inline volume sources to configMap, csi,
 * downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret.
 *
 * Restricted fields:
 *   spec.volumes[*].hostPath, gcePersistentDisk, awsElasticBlockStore, gitRepo, nfs, iscsi,
 *   glusterfs, rbd, flexVolume, cinder, cephfs, flocker, fc, azureFile, vsphereVolume, quobyte,
 *   azureDisk, portworxVolume, photonPersistentDisk, scaleIO, storageos (and any other source)
 * Allowed values: undefined/null
 * A volume with no source at all counts as emptyDir (the apiserver defaults it so).
 */
import { CHECK_HOST_PATH_VOLUMES_ID } from './check-host-path-volumes.js';
import { joinQuote, pluralize, present, sortedSet, str } from './helpers.js';
import { ALLOWED, forbidden, type Check, type CheckResult, type PodMetadata, type PodSpec, type Volume } from './types.js';

const ALLOWED_SOURCES = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
] as const;

// the order upstream names a volume's type in when it is not allowed
const KNOWN_RESTRICTED_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
] as const;

function allowedSource(volume: Volume): boolean {
  for (const source of ALLOWED_SOURCES) if (present(volume[source])) return true;
  // a volume with no source at all is defaulted to emptyDir by the apiserver before any admission
  // webhook sees it; offline audits read manifests that were never defaulted
  for (const key in volume) if (key !== 'name' && present(volume[key])) return false;
  return true;
}

function restrictedType(volume: Volume): string {
  for (const source of KNOWN_RESTRICTED_SOURCES) if (present(volume[source])) return source;
  return 'unknown';
}

function restrictedVolumes_1_0(_podMetadata: PodMetadata, podSpec: PodSpec): CheckResult {
  const volumes = podSpec.volumes;
  if (!Array.isArray(volumes)) return ALLOWED;
  let bad: string[] | undefined;
  let types: string[] | undefined;
  for (const volume of volumes) {
    const v = (volume ?? {}) as Volume;
    if (allowedSource(v)) continue;
    (bad ??= []).push(str(v.name));
    (types ??= []).push(restrictedType(v));
  }
  if (!bad) return ALLOWED;
  const distinct = sortedSet(types ?? []);
  return forbidden(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ` +
      `${pluralize('restricted volume type', 'restricted volume types', distinct.length)} ${joinQuote(distinct)}`,
  );
}

export const checkRestrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  versions: [{ minimumVersion: 0, check: restrictedVolumes_1_0, overrideCheckIds: [CHECK_HOST_PATH_VOLUMES_ID] }],
};
