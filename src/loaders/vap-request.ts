/**
 * The values a ValidatingAdmissionPolicy's CEL expressions see, shaped as the kube-apiserver
 * shapes them:
 * - `request`: the AdmissionRequest without object/oldObject, whose kind/resource are the ones the
 *   policy matched (the rule's version under matchPolicy Equivalent) while requestKind /
 *   requestResource keep what the client sent;
 * - `namespaceObject`: the request's Namespace reduced to name, uid, labels, annotations and the
 *   other plain metadata plus spec and status (no managedFields / ownerReferences); null for
 *   cluster-scoped requests and for Namespace objects themselves;
 * - `object` / `oldObject`: as sent; under an equivalent match the apiVersion is set to the matched
 *   version (portcullis does not convert fields between versions: the workload kinds it lists as
 *   equivalent kept their shape across those versions).
 */
import type { AdmissionRequest, KubeObject } from '../admission/types.js';
import type { ResourceMatch } from '../engine/match.js';

export function celRequest(request: AdmissionRequest, matched: ResourceMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {
    uid: request.uid,
    kind: matched.kind,
    resource: matched.resource,
    requestKind: request.requestKind ?? request.kind,
    requestResource: request.requestResource ?? request.resource,
    operation: request.operation,
    userInfo: celUserInfo(request),
    dryRun: request.dryRun ?? false,
  };
  if (request.subResource) out.subResource = request.subResource;
  const requestSub = request.requestSubResource ?? request.subResource;
  if (requestSub) out.requestSubResource = requestSub;
  if (request.name) out.name = request.name;
  if (request.namespace) out.namespace = request.namespace;
  if (request.options) out.options = request.options;
  return out;
}

function celUserInfo(request: AdmissionRequest): Record<string, unknown> {
  const user = request.userInfo ?? {};
  const out: Record<string, unknown> = {};
  if (user.username) out.username = user.username;
  if (user.uid) out.uid = user.uid;
  if (user.groups && user.groups.length > 0) out.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

const NAMESPACE_METADATA = [
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers',
] as const;

const reducedNamespaces = new WeakMap<KubeObject, Record<string, unknown>>();

export function celNamespaceObject(request: AdmissionRequest, namespaceObject: KubeObject | null): Record<string, unknown> | null {
  if (!namespaceObject || !request.namespace) return null;
  const kind = request.kind;
  if (kind.group === '' && kind.version === 'v1' && kind.kind === 'Namespace') return null;
  let reduced = reducedNamespaces.get(namespaceObject);
  if (!reduced) {
    const metadata: Record<string, unknown> = {};
    const source = namespaceObject.metadata ?? {};
    for (const key of NAMESPACE_METADATA) if (source[key] !== undefined) metadata[key] = source[key];
    reduced = { apiVersion: 'v1', kind: 'Namespace', metadata };
    if (namespaceObject.spec !== undefined) reduced.spec = namespaceObject.spec;
    if (namespaceObject.status !== undefined) reduced.status = namespaceObject.status;
    reducedNamespaces.set(namespaceObject, reduced);
  }
  return reduced;
}

export function celObject(object: KubeObject | null | undefined, matched: ResourceMatch): KubeObject | null {
  if (!object) return null;
  if (!matched.equivalent) return object;
  const { group, version } = matched.kind;
  return { ...object, apiVersion: group === '' ? version : `${group}/${version}` };
}

/**
 * The kube-apiserver never applies admission policies to the objects that configure admission
 * (webhook configurations, admission policies and their bindings), so a policy cannot lock the
 * cluster out of fixing it.
 */
const EXEMPT_KINDS = new Set([
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
]);

export function isExemptAdmissionConfiguration(request: AdmissionRequest): boolean {
  return request.kind.group === 'admissionregistration.k8s.io' && EXEMPT_KINDS.has(request.kind.kind);
}
