/**
 * `imagePullPolicy: Always` for regular and init containers whose image is not pinned by digest
 * (opt-in). Only where the policy is unset, unless `overrideIfNotPresent` is on: the apiserver
 * fills in IfNotPresent (or Always for :latest) before any webhook sees the object, so in a
 * cluster "unset" is rare and an operator who wants AlwaysPullImages-like behaviour for
 * tag-addressed images turns the override on. Never is always respected.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import type { ResolvedDefaultsConfig } from './config.js';
import { mutableContainers } from './containers.js';

export function defaultImagePullPolicy(spec: V1PodSpec, config: ResolvedDefaultsConfig['imagePullPolicy']): boolean {
  let changed = false;
  for (const container of mutableContainers(spec)) {
    if (typeof container.image !== 'string' || container.image === '' || container.image.includes('@')) continue;
    const current: unknown = container.imagePullPolicy;
    const unset = current === undefined || current === null || current === '';
    if (!unset && !(config.overrideIfNotPresent && current === 'IfNotPresent')) continue;
    container.imagePullPolicy = 'Always';
    changed = true;
  }
  return changed;
}
