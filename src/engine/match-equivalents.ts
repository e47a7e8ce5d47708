/**
 * The apiserver's equivalent-resource registry, for matchPolicy Equivalent: the same stored
 * resource served under several group/versions (a Deployment is one object whether it is written
 * through apps/v1 or extensions/v1beta1). The kube-apiserver builds this from the API groups it
 * serves; portcullis has no live registry, so it carries the table for the built-in kinds that
 * have ever been served under more than one group/version. Custom resources are matched exactly.
 *
 * Each row lists the group/versions in preference order (the first is the current stable one);
 * Kubernetes tries equivalents in registration order, and so do we.
 */
import type { GroupVersionKind, GroupVersionResource } from '../admission/types.js';

interface EquivalenceRow {
  kind: string;
  resource: string;
  /** "group/version" (core group written as "v1") */
  versions: string[];
}

const ROWS: EquivalenceRow[] = [
  { kind: 'Deployment', resource: 'deployments', versions: ['apps/v1', 'apps/v1beta2', 'apps/v1beta1', 'extensions/v1beta1'] },
  { kind: 'DaemonSet', resource: 'daemonsets', versions: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'] },
  { kind: 'ReplicaSet', resource: 'replicasets', versions: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'] },
  { kind: 'StatefulSet', resource: 'statefulsets', versions: ['apps/v1', 'apps/v1beta2', 'apps/v1beta1'] },
  { kind: 'ControllerRevision', resource: 'controllerrevisions', versions: ['apps/v1', 'apps/v1beta2', 'apps/v1beta1'] },
  { kind: 'CronJob', resource: 'cronjobs', versions: ['batch/v1', 'batch/v1beta1', 'batch/v2alpha1'] },
  { kind: 'Ingress', resource: 'ingresses', versions: ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1', 'extensions/v1beta1'] },
  { kind: 'IngressClass', resource: 'ingressclasses', versions: ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1'] },
  { kind: 'NetworkPolicy', resource: 'networkpolicies', versions: ['networking.k8s.io/v1', 'extensions/v1beta1'] },
  { kind: 'PodSecurityPolicy', resource: 'podsecuritypolicies', versions: ['policy/v1beta1', 'extensions/v1beta1'] },
  { kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', versions: ['policy/v1', 'policy/v1beta1'] },
  {
    kind: 'HorizontalPodAutoscaler',
    resource: 'horizontalpodautoscalers',
    versions: ['autoscaling/v2', 'autoscaling/v1', 'autoscaling/v2beta2', 'autoscaling/v2beta1'],
  },
  { kind: 'PriorityClass', resource: 'priorityclasses', versions: ['scheduling.k8s.io/v1', 'scheduling.k8s.io/v1beta1', 'scheduling.k8s.io/v1alpha1'] },
  { kind: 'StorageClass', resource: 'storageclasses', versions: ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1'] },
  { kind: 'CSIDriver', resource: 'csidrivers', versions: ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1'] },
  { kind: 'CSINode', resource: 'csinodes', versions: ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1'] },
  { kind: 'VolumeAttachment', resource: 'volumeattachments', versions: ['storage.k8s.io/v1', 'storage.k8s.io/v1beta1', 'storage.k8s.io/v1alpha1'] },
  { kind: 'RuntimeClass', resource: 'runtimeclasses', versions: ['node.k8s.io/v1', 'node.k8s.io/v1beta1', 'node.k8s.io/v1alpha1'] },
  { kind: 'EndpointSlice', resource: 'endpointslices', versions: ['discovery.k8s.io/v1', 'discovery.k8s.io/v1beta1'] },
  { kind: 'Lease', resource: 'leases', versions: ['coordination.k8s.io/v1', 'coordination.k8s.io/v1beta1'] },
  { kind: 'Event', resource: 'events', versions: ['events.k8s.io/v1', 'events.k8s.io/v1beta1'] },
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((kind) => ({
    kind,
    resource: `${kind.toLowerCase()}s`,
    versions: ['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1'],
  })),
  ...['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((kind) => ({
    kind,
    resource: `${kind.toLowerCase()}s`,
    versions: ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'],
  })),
  ...['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].map((kind) => ({
    kind,
    resource: kind === 'ValidatingAdmissionPolicy' ? 'validatingadmissionpolicies' : 'validatingadmissionpolicybindings',
    versions: ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1alpha1'],
  })),
  { kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', versions: ['apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1'] },
  { kind: 'APIService', resource: 'apiservices', versions: ['apiregistration.k8s.io/v1', 'apiregistration.k8s.io/v1beta1'] },
  { kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests', versions: ['certificates.k8s.io/v1', 'certificates.k8s.io/v1beta1'] },
];

/**
 * The `scale` subresource is its own kind, whose group/version differs by the parent's version
 * (apps/v1 serves autoscaling/v1 Scale; the beta groups served their own Scale types).
 */
const SCALE_KIND_BY_VERSION: Record<string, string> = {
  'apps/v1': 'autoscaling/v1',
  'apps/v1beta2': 'apps/v1beta2',
  'apps/v1beta1': 'apps/v1beta1',
  'extensions/v1beta1': 'extensions/v1beta1',
};
const SCALABLE = new Set(['deployments', 'replicasets', 'statefulsets']);

function splitGroupVersion(gv: string): { group: string; version: string } {
  const slash = gv.indexOf('/');
  return slash < 0 ? { group: '', version: gv } : { group: gv.slice(0, slash), version: gv.slice(slash + 1) };
}

function key(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

interface Equivalent {
  resources: GroupVersionResource[];
  kind: string;
}

const BY_GVR = new Map<string, Equivalent>();
for (const row of ROWS) {
  const resources = row.versions.map((gv) => ({ ...splitGroupVersion(gv), resource: row.resource }));
  const entry: Equivalent = { resources, kind: row.kind };
  for (const r of resources) BY_GVR.set(key(r.group, r.version, r.resource), entry);
}

/**
 * Every group/version/resource that stores the same objects as `resource` (including itself, first
 * in table order). An unknown resource is only equivalent to itself.
 */
export function equivalentResourcesFor(resource: GroupVersionResource, subresource = ''): GroupVersionResource[] {
  const entry = BY_GVR.get(key(resource.group, resource.version, resource.resource));
  if (!entry) return [resource];
  if (subresource === 'scale') {
    return entry.resources.filter((r) => SCALABLE.has(r.resource) && SCALE_KIND_BY_VERSION[`${r.group}/${r.version}`] !== undefined);
  }
  return entry.resources;
}

/** The kind served at `resource` (+subresource), or undefined when the table does not know it. */
export function kindFor(resource: GroupVersionResource, subresource = ''): GroupVersionKind | undefined {
  const entry = BY_GVR.get(key(resource.group, resource.version, resource.resource));
  if (!entry) return undefined;
  if (subresource === 'scale') {
    const scaleGv = SCALE_KIND_BY_VERSION[`${resource.group}/${resource.version}`];
    if (!scaleGv || !SCALABLE.has(resource.resource)) return undefined;
    return { ...splitGroupVersion(scaleGv), kind: 'Scale' };
  }
  if (subresource !== '' && subresource !== 'status') return undefined;
  return { group: resource.group, version: resource.version, kind: entry.kind };
}
