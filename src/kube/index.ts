/** kube/: the cluster side of portcullis (namespace and param informers, lookups, kubeconfig detection). */
export { createLookups, type LookupsOptions, type PortcullisLookups } from './lookups.js';
export { isInCluster, KubeConfigError, loadKubeConfig, type LoadKubeConfigOptions } from './kubeconfig.js';
export {
  discoverResource,
  KindNotFoundError,
  ParamInformer,
  paramKindsOf,
  type DiscoveredResource,
  type ParamInformerOptions,
  type ParamKindRef,
} from './params.js';
export { NamespaceInformer, type NamespaceInformerOptions } from './namespace-informer.js';
