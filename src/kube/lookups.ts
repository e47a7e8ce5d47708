/**
 * The Lookups the engine consults during a review (src/engine/types.ts), always answered from
 * memory:
 * - namespaces: from the cluster's namespace informer when a KubeConfig is given; otherwise from
 *   the static Namespace objects (config file `namespaces` + Namespace documents in policy folders);
 *   an unknown name is undefined (the engine then sees no labels).
 * - params: the non-policy objects of the policy folders (paramKind/paramRef targets); when a
 *   KubeConfig is given, also every object of each `paramKinds` entry from the cluster (one
 *   list + watch cache per kind, src/kube/params.ts). Cluster objects come first; a folder object
 *   with the same namespace/name as a cluster object is dropped (the cluster wins).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../admission/types.js';
import type { Lookups } from '../engine/types.js';
import { NamespaceInformer, type NamespaceInformerOptions } from './namespace-informer.js';
import { ParamInformer, paramKindKey, type ParamInformerOptions, type ParamKindRef } from './params.js';

export interface LookupsOptions {
  /** connect to this cluster for namespaces (see loadKubeConfig) */
  kubeConfig?: KubeConfig;
  /** static Namespace objects, used when not connected */
  namespaces?: KubeObject[];
  /** param objects from the policy folders */
  params?: KubeObject[];
  informer?: NamespaceInformerOptions;
  /** paramKinds to read from the cluster (only with kubeConfig; see paramKindsOf) */
  paramKinds?: ParamKindRef[];
  /** retry and error reporting of the param informers (default: the `informer` options) */
  paramInformer?: ParamInformerOptions;
}

export interface PortcullisLookups extends Lookups {
  /** true when namespaces come from a cluster */
  readonly connected: boolean;
  /** replaces the policy-folder objects (after a policy reload); paramKinds starts/stops cluster param caches */
  update(objects: { namespaces?: KubeObject[]; params?: KubeObject[]; paramKinds?: ParamKindRef[] }): void;
  /** resolves true once namespaces and cluster params are available (at once when not connected), false on timeout */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createLookups(options: LookupsOptions = {}): PortcullisLookups {
  let staticNamespaces = indexNamespaces(options.namespaces ?? []);
  let params = indexParams(options.params ?? []);
  const { kubeConfig } = options;
  const informer = kubeConfig ? new NamespaceInformer(kubeConfig, options.informer) : undefined;
  informer?.start();

  // cluster params: one informer per paramKind, keyed by `apiVersion/kind`
  const paramInformers = new Map<string, ParamInformer>();
  const paramOptions = options.paramInformer ?? options.informer;
  const setParamKinds = (kinds: readonly ParamKindRef[]): void => {
    if (!kubeConfig) return;
    const wanted = new Map(kinds.map((ref) => [paramKindKey(ref), ref]));
    for (const [key, paramInformer] of paramInformers) {
      if (!wanted.has(key)) {
        paramInformers.delete(key);
        void paramInformer.stop();
      }
    }
    for (const [key, ref] of wanted) {
      if (paramInformers.has(key)) continue;
      const paramInformer = new ParamInformer(kubeConfig, { apiVersion: ref.apiVersion, kind: ref.kind }, paramOptions);
      paramInformers.set(key, paramInformer);
      paramInformer.start();
    }
  };
  setParamKinds(options.paramKinds ?? []);

  return {
    connected: informer !== undefined,
    namespace(name: string): KubeObject | undefined {
      return informer ? informer.get(name) : staticNamespaces.get(name);
    },
    params(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
      const fromFolders = params.get(namespace === undefined ? `${apiVersion}/${kind}` : `${apiVersion}/${kind}/${namespace}`) ?? [];
      const paramInformer = paramInformers.get(`${apiVersion}/${kind}`);
      if (!paramInformer || paramInformer.missing) return fromFolders;
      const all = paramInformer.objects();
      const fromCluster = namespace === undefined ? all : all.filter((object) => (object.metadata?.namespace ?? '') === namespace);
      if (fromCluster.length === 0) return fromFolders;
      if (fromFolders.length === 0) return fromCluster;
      const taken = new Set(fromCluster.map(objectKey));
      return [...fromCluster, ...fromFolders.filter((object) => !taken.has(objectKey(object)))];
    },
    update(objects) {
      if (objects.namespaces) staticNamespaces = indexNamespaces(objects.namespaces);
      if (objects.params) params = indexParams(objects.params);
      if (objects.paramKinds) setParamKinds(objects.paramKinds);
    },
    async ready(timeoutMs = 10_000) {
      // one deadline for all: namespaces and every param cache sync in parallel
      const waits: Promise<boolean>[] = [];
      if (informer) waits.push(informer.waitForSync(timeoutMs));
      for (const paramInformer of paramInformers.values()) waits.push(paramInformer.waitForSync(timeoutMs));
      return (await Promise.all(waits)).every(Boolean);
    },
    async close() {
      const informers = [...paramInformers.values()];
      paramInformers.clear();
      await Promise.all([informer?.stop(), ...informers.map((paramInformer) => paramInformer.stop())]);
    },
  };
}

function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
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
