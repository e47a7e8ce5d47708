/**
 * Kind -> resource and scope, which a manifest does not carry but an AdmissionRequest needs
 * (policies match on `resources: [pods]`, not on kinds). Three sources, most precise first:
 *   1. what the cluster's discovery said (cluster audit),
 *   2. CustomResourceDefinitions found among the audited manifests (their spec.names.plural and scope),
 *   3. the table of built-in kinds below,
 * and for anything else a guess: the lower-case kind made plural with English rules
 * (Policy -> policies, Ingress -> ingresses), namespaced unless the kind starts with `Cluster`.
 */
import type { GroupVersionKind, KubeObject } from '../admission/types.js';

export interface ResourceInfo {
  /** plural resource name, e.g. `deployments` */
  resource: string;
  namespaced: boolean;
}

type Row = [group: string, kind: string, resource: string, namespaced: boolean];

/** Built-in kinds served by a current kube-apiserver (group, kind, resource, namespaced). */
const BUILT_IN: Row[] = [
  ['', 'Pod', 'pods', true],
  ['', 'Service', 'services', true],
  ['', 'ConfigMap', 'configmaps', true],
  ['', 'Secret', 'secrets', true],
  ['', 'ServiceAccount', 'serviceaccounts', true],
  ['', 'PersistentVolumeClaim', 'persistentvolumeclaims', true],
  ['', 'ReplicationController', 'replicationcontrollers', true],
  ['', 'Endpoints', 'endpoints', true],
  ['', 'Event', 'events', true],
  ['', 'LimitRange', 'limitranges', true],
  ['', 'ResourceQuota', 'resourcequotas', true],
  ['', 'PodTemplate', 'podtemplates', true],
  ['', 'Binding', 'bindings', true],
  ['', 'Namespace', 'namespaces', false],
  ['', 'Node', 'nodes', false],
  ['', 'PersistentVolume', 'persistentvolumes', false],
  ['', 'ComponentStatus', 'componentstatuses', false],
  ['apps', 'Deployment', 'deployments', true],
  ['apps', 'StatefulSet', 'statefulsets', true],
  ['apps', 'DaemonSet', 'daemonsets', true],
  ['apps', 'ReplicaSet', 'replicasets', true],
  ['apps', 'ControllerRevision', 'controllerrevisions', true],
  ['extensions', 'Deployment', 'deployments', true],
  ['extensions', 'DaemonSet', 'daemonsets', true],
  ['extensions', 'ReplicaSet', 'replicasets', true],
  ['extensions', 'Ingress', 'ingresses', true],
  ['batch', 'Job', 'jobs', true],
  ['batch', 'CronJob', 'cronjobs', true],
  ['autoscaling', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true],
  ['policy', 'PodDisruptionBudget', 'poddisruptionbudgets', true],
  ['networking.k8s.io', 'Ingress', 'ingresses', true],
  ['networking.k8s.io', 'NetworkPolicy', 'networkpolicies', true],
  ['networking.k8s.io', 'IngressClass', 'ingressclasses', false],
  ['networking.k8s.io', 'IPAddress', 'ipaddresses', false],
  ['networking.k8s.io', 'ServiceCIDR', 'servicecidrs', false],
  ['discovery.k8s.io', 'EndpointSlice', 'endpointslices', true],
  ['coordination.k8s.io', 'Lease', 'leases', true],
  ['events.k8s.io', 'Event', 'events', true],
  ['rbac.authorization.k8s.io', 'Role', 'roles', true],
  ['rbac.authorization.k8s.io', 'RoleBinding', 'rolebindings', true],
  ['rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', false],
  ['rbac.authorization.k8s.io', 'ClusterRoleBinding', 'clusterrolebindings', false],
  ['storage.k8s.io', 'StorageClass', 'storageclasses', false],
  ['storage.k8s.io', 'VolumeAttachment', 'volumeattachments', false],
  ['storage.k8s.io', 'CSIDriver', 'csidrivers', false],
  ['storage.k8s.io', 'CSINode', 'csinodes', false],
  ['storage.k8s.io', 'CSIStorageCapacity', 'csistoragecapacities', true],
  ['storage.k8s.io', 'VolumeAttributesClass', 'volumeattributesclasses', false],
  ['scheduling.k8s.io', 'PriorityClass', 'priorityclasses', false],
  ['node.k8s.io', 'RuntimeClass', 'runtimeclasses', false],
  ['certificates.k8s.io', 'CertificateSigningRequest', 'certificatesigningrequests', false],
  ['apiextensions.k8s.io', 'CustomResourceDefinition', 'customresourcedefinitions', false],
  ['apiregistration.k8s.io', 'APIService', 'apiservices', false],
  ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false],
  ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false],
  ['admissionregistration.k8s.io', 'MutatingAdmissionPolicy', 'mutatingadmissionpolicies', false],
  ['admissionregistration.k8s.io', 'MutatingAdmissionPolicyBinding', 'mutatingadmissionpolicybindings', false],
  ['flowcontrol.apiserver.k8s.io', 'FlowSchema', 'flowschemas', false],
  ['flowcontrol.apiserver.k8s.io', 'PriorityLevelConfiguration', 'prioritylevelconfigurations', false],
  ['resource.k8s.io', 'ResourceClaim', 'resourceclaims', true],
  ['resource.k8s.io', 'ResourceClaimTemplate', 'resourceclaimtemplates', true],
  ['resource.k8s.io', 'DeviceClass', 'deviceclasses', false],
  ['resource.k8s.io', 'ResourceSlice', 'resourceslices', false],
  ['wgpolicyk8s.io', 'PolicyReport', 'policyreports', true],
  ['wgpolicyk8s.io', 'ClusterPolicyReport', 'clusterpolicyreports', false],
];

/** `apps/v1` -> { group: apps, version: v1 }; `v1` -> core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function gvkOf(object: KubeObject): GroupVersionKind {
  const { group, version } = splitApiVersion(String(object.apiVersion ?? ''));
  return { group, version, kind: String(object.kind ?? '') };
}

/** English plural of a lower-cased kind, for kinds that no table knows. */
export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

const key = (group: string, kind: string): string => `${group}/${kind}`;

export class ResourceCatalog {
  private readonly known = new Map<string, ResourceInfo>();

  constructor() {
    for (const [group, kind, resource, namespaced] of BUILT_IN) this.known.set(key(group, kind), { resource, namespaced });
  }

  /** Adds or overrides one kind (discovery and CRDs are more precise than the table). */
  add(group: string, kind: string, info: ResourceInfo): void {
    this.known.set(key(group, kind), info);
  }

  /** Learns the kinds defined by CustomResourceDefinitions among the given objects. */
  learnDefinitions(objects: Iterable<KubeObject>): void {
    for (const object of objects) {
      if (object.kind !== 'CustomResourceDefinition') continue;
      const spec = object.spec as { group?: unknown; scope?: unknown; names?: { kind?: unknown; plural?: unknown } } | undefined;
      if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string' || typeof spec.names.plural !== 'string') continue;
      this.add(spec.group, spec.names.kind, { resource: spec.names.plural, namespaced: spec.scope !== 'Cluster' });
    }
  }

  /** Whether the table (or discovery, or a CRD) knows the kind, rather than a guess. */
  knows(group: string, kind: string): boolean {
    return this.known.has(key(group, kind));
  }

  resolve(group: string, kind: string): ResourceInfo {
    return this.known.get(key(group, kind)) ?? { resource: guessResource(kind), namespaced: !kind.startsWith('Cluster') };
  }
}
