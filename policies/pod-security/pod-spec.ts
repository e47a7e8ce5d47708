/**
 * Where the pod spec lives in each kind Pod Security Admission checks (upstream
 * DefaultPodSpecExtractor): the Pod itself, or the pod template of a workload.
 */
import type { PodMetadata, PodSpec } from './checks/types.js';

export interface PodView {
  metadata: PodMetadata;
  spec: PodSpec;
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** group/resource -> how to find the pod template in that object */
const TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/podtemplates', ['template']],
  ['/replicationcontrollers', ['spec', 'template']],
  ['apps/replicasets', ['spec', 'template']],
  ['apps/deployments', ['spec', 'template']],
  ['apps/statefulsets', ['spec', 'template']],
  ['apps/daemonsets', ['spec', 'template']],
  ['batch/jobs', ['spec', 'template']],
  ['batch/cronjobs', ['spec', 'jobTemplate', 'spec', 'template']],
]);

export function isPodResource(group: string, resource: string): boolean {
  return group === '' && resource === 'pods';
}

export function isPodControllerResource(group: string, resource: string): boolean {
  return TEMPLATE_PATHS.has(`${group}/${resource}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asView(holder: unknown): PodView {
  const h = isObject(holder) ? holder : EMPTY;
  return {
    metadata: (isObject(h.metadata) ? h.metadata : EMPTY) as PodMetadata,
    spec: (isObject(h.spec) ? h.spec : EMPTY) as PodSpec,
  };
}

/**
 * The pod metadata and spec to judge, or undefined when the object has no pod template.
 * Like upstream, only a ReplicationController's template may be absent (its Go field is a
 * pointer); the other kinds always carry one, so a missing template is judged as an empty pod.
 */
export function extractPodView(group: string, resource: string, object: unknown): PodView | undefined {
  if (isPodResource(group, resource)) return asView(object);
  const path = TEMPLATE_PATHS.get(`${group}/${resource}`);
  if (!path) return undefined;
  let node: unknown = object;
  for (const key of path) {
    node = isObject(node) ? node[key] : undefined;
  }
  if (node === undefined || node === null) {
    return resource === 'replicationcontrollers' ? undefined : asView(EMPTY);
  }
  return asView(node);
}
