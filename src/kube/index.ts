/** kube/: the cluster side of portcullis (namespace informer, lookups, kubeconfig detection). */
export { createLookups, type LookupsOptions, type PortcullisLookups } from './lookups.js';
export { isInCluster, KubeConfigError, loadKubeConfig, type LoadKubeConfigOptions } from './kubeconfig.js';
export { NamespaceInformer, type NamespaceInformerOptions } from './namespace-informer.js';
