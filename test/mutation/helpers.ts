/** Calls the defaults policy the way the engine will: a PolicyContext in, a patch out. */
import { isDeepStrictEqual } from 'node:util';
import type { V1Namespace } from '@kubernetes/client-node';
import type { AdmissionRequest, KubeObject, Operation, PolicyContext } from '../../src/index.js';
import { createPatch } from '../../src/admission/patch.js';
import type { JsonPatchOperation } from '../../src/admission/patch.js';
import defaults from '../../policies/defaults/index.js';
import type { DefaultsConfig } from '../../policies/defaults/config.js';
import { KIND_RESOURCES } from '../support/kinds.js';


export interface MutateOptions {
  operation?: Operation;
  config?: DefaultsConfig;
  namespace?: V1Namespace | null;
}

export function contextFor(object: KubeObject, options: MutateOptions = {}): PolicyContext<KubeObject, DefaultsConfig | undefined> {
  const kindName = object.kind ?? 'Pod';
  const gvr = KIND_RESOURCES[kindName];
  if (!gvr) throw new Error(`test helper does not know kind ${kindName}`);
  const operation = options.operation ?? 'CREATE';
  const request: AdmissionRequest = {
    uid: '00000000-0000-0000-0000-000000000001',
    kind: { group: gvr.group, version: gvr.version, kind: kindName },
    resource: gvr,
    name: object.metadata?.name,
    namespace: object.metadata?.namespace ?? 'default',
    operation,
    userInfo: { username: 'tester' },
    object,
    oldObject: operation === 'UPDATE' ? object : null,
  };
  return {
    request,
    operation,
    object,
    oldObject: operation === 'UPDATE' ? object : null,
    namespaceObject: options.namespace ?? null,
    userInfo: request.userInfo,
    config: options.config ?? defaults.defaults,
  };
}

/** Runs the defaults policy on a private copy and diffs, as the engine does. */
export function mutate(object: KubeObject, options: MutateOptions = {}): { patch: JsonPatchOperation[]; result: KubeObject } {
  const working = structuredClone(object);
  const returned = defaults.mutate!(contextFor(working, options));
  // "no change" must really mean the working copy was left as it was
  if (returned === undefined && !isDeepStrictEqual(working, object)) throw new Error('mutate changed the object but returned nothing');
  const mutated = returned ?? working;
  return { patch: createPatch(object, mutated), result: mutated };
}

export function pod(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...metadata }, spec };
}
