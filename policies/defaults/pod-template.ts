/**
 * Where the pod spec lives in each kind the defaults apply to, and which operations may change it.
 *
 * Pods are mutated on CREATE only: almost every pod spec field is immutable, so a patch on UPDATE
 * (say, a label change on a pod created before portcullis was installed) would make the apiserver
 * reject the update. A Job's template is immutable too, so Jobs are CREATE only as well. The other
 * workloads' templates may change on UPDATE, and mutating them there keeps the stored template in
 * line with the validating policies that check templates.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { KubeObject, Operation } from '../../src/index.js';

/** The pod (or pod template) part of an object: its metadata (for annotations) and its spec. */
export interface PodView {
  metadata: Pick<V1ObjectMeta, 'annotations'> | undefined;
  spec: V1PodSpec;
}

interface KindRule {
  /** path from the object root to the PodTemplateSpec (empty for a Pod itself) */
  templatePath: readonly string[];
  operations: readonly Operation[];
}

const RULES: Record<string, KindRule> = {
  '/Pod': { templatePath: [], operations: ['CREATE'] },
  '/ReplicationController': { templatePath: ['spec', 'template'], operations: ['CREATE', 'UPDATE'] },
  'apps/Deployment': { templatePath: ['spec', 'template'], operations: ['CREATE', 'UPDATE'] },
  'apps/StatefulSet': { templatePath: ['spec', 'template'], operations: ['CREATE', 'UPDATE'] },
  'apps/DaemonSet': { templatePath: ['spec', 'template'], operations: ['CREATE', 'UPDATE'] },
  'apps/ReplicaSet': { templatePath: ['spec', 'template'], operations: ['CREATE', 'UPDATE'] },
  'batch/Job': { templatePath: ['spec', 'template'], operations: ['CREATE'] },
  'batch/CronJob': { templatePath: ['spec', 'jobTemplate', 'spec', 'template'], operations: ['CREATE', 'UPDATE'] },
};

/**
 * The pod view inside `object` (which the caller may change in place), or undefined when the kind
 * is not one the defaults know, the operation may not change the pod spec, or there is no spec.
 */
export function podViewOf(
  object: KubeObject,
  kind: { group: string; kind: string },
  operation: Operation,
  includeWorkloads: boolean,
): PodView | undefined {
  const rule = RULES[`${kind.group}/${kind.kind}`];
  if (!rule || !rule.operations.includes(operation)) return undefined;
  if (rule.templatePath.length > 0 && !includeWorkloads) return undefined;
  let node: unknown = object;
  for (const key of rule.templatePath) {
    node = isObject(node) ? node[key] : undefined;
  }
  if (!isObject(node) || !isObject(node.spec)) return undefined;
  const metadata = isObject(node.metadata) ? (node.metadata as PodView['metadata']) : undefined;
  return { metadata, spec: node.spec as unknown as V1PodSpec };
}

/** The resource rules (for the webhook configuration) matching RULES. */
export const DEFAULTS_RESOURCE_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE' as const] },
  { apiGroups: [''], apiVersions: ['v1'], resources: ['replicationcontrollers'], operations: ['CREATE' as const, 'UPDATE' as const] },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    operations: ['CREATE' as const, 'UPDATE' as const],
  },
  { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs'], operations: ['CREATE' as const] },
  { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['cronjobs'], operations: ['CREATE' as const, 'UPDATE' as const] },
];

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
