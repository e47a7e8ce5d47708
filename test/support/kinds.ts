/** The group, version and resource of the kinds the test helpers build AdmissionRequests for. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export const KIND_RESOURCES: Readonly<Record<string, GroupVersionResource>> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  PodTemplate: { group: '', version: 'v1', resource: 'podtemplates' },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
};
