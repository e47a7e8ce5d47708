/**
 * The Lookups the engine consults during a review (src/engine/types.ts), always answered from
 * memory:
 * - namespaces: from the cluster's namespace informer when a KubeConfig is given; otherwise from
 *   the static Namespace objects (config file `namespaces` + Namespace documents in policy folders);
 *   an unknown name is undefined (the engine then sees no labels).
 * - params: the non-policy objects of the policy folders (paramKind/paramRef targets). Params are
 *   not read from the cluster: a synchronous lookup would need one informer per paramKind, and the
 *   policy folders are where portcullis' own policies keep their parameters.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../admission/types.js';
import type { Lookups } from '../engine/types.js';
import { NamespaceInformer, type NamespaceInformerOptions } from './namespace-informer.js';

export interface LookupsOptions {
  /** connect to this cluster for namespaces (see loadKubeConfig) */
  kubeConfig?: KubeConfig;
  /** static Namespace objects, used when not connected */
  namespaces?: KubeObject[];
  /** param objects from the policy folders */
  params?: KubeObject[];
  informer?: NamespaceInformerOptions;
}

export interface PortcullisLookups extends Lookups {
  /** true when namespaces come from a cluster */
  readonly connected: boolean;
  /** replaces the policy-folder objects (after a policy reload) */
  update(objects: { namespaces?: KubeObject[]; params?: KubeObject[] }): void;
  /** resolves true once namespaces are available (at once when not connected), false on timeout */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createLookups(options: LookupsOptions = {}): PortcullisLookups {
  let staticNamespaces = indexNamespaces(options.namespaces ?? []);
  let params = indexParams(options.params ?? []);
  const informer = options.kubeConfig ? new NamespaceInformer(options.kubeConfig, options.informer) : undefined;
  informer?.start();

  return {
    connected: informer !== undefined,
    namespace(name: string): KubeObject | undefined {
      return informer ? informer.get(name) : staticNamespaces.get(name);
    },
    params(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
      return params.get(namespace === undefined ? `${apiVersion}/${kind}` : `${apiVersion}/${kind}/${namespace}`) ?? [];
    },
    update(objects) {
      if (objects.namespaces) staticNamespaces = indexNamespaces(objects.namespaces);
      if (objects.params) params = indexParams(objects.params);
    },
    ready(timeoutMs = 10_000) {
      return informer ? informer.waitForSync(timeoutMs) : Promise.resolve(true);
    },
    async close() {
      await informer?.stop();
    },
  };
}

function indexNamespaces(namespaces: KubeObject[]): Map<string, KubeObject> {
  const byName = new Map<string, KubeObject>();
  for (const namespace of namespaces) {
    const name = namespace.metadata?.name;
    if (name && !byName.has(name)) byName.set(name, namespace);
  }
  return byName;
}

/** Indexed by `apiVersion/kind` (all objects) and `apiVersion/kind/namespace` (one namespace). */
function indexParams(objects: KubeObject[]): Map<string, KubeObject[]> {
  const index = new Map<string, KubeObject[]>();
  const add = (key: string, object: KubeObject): void => {
    const list = index.get(key);
    if (list) list.push(object);
    else index.set(key, [object]);
  };
  for (const object of objects) {
    add(`${object.apiVersion}/${object.kind}`, object);
    add(`${object.apiVersion}/${object.kind}/${object.metadata?.namespace ?? ''}`, object);
  }
  return index;
}
