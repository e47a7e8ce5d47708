/**
 * Turns a manifest into the AdmissionRequest the kube-apiserver would send for it, so that the
 * engine cannot tell an audit from a live review. CREATE by default; UPDATE pairs each object with
 * its old version; DELETE sends the manifest as oldObject, as the apiserver does.
 */
import { randomUUID } from 'node:crypto';
import type { AdmissionRequest, KubeObject, Operation, UserInfo } from '../admission/types.js';
import { AuditInputError } from './errors.js';
import type { SourcedObject } from './manifests.js';
import { gvkOf, type ResourceCatalog } from './resources.js';

/** Who the synthetic requests come from; policies that exempt users see this name. */
export const AUDIT_USER: UserInfo = { username: 'portcullis-audit', groups: ['system:authenticated'] };
export const DEFAULT_NAMESPACE = 'default';

export interface RequestOptions {
  operation?: Operation;
  /** the previous version of the object (UPDATE) */
  oldObject?: KubeObject | null;
  userInfo?: UserInfo;
  catalog: ResourceCatalog;
}

const OPTIONS_KIND: Record<Operation, string | undefined> = {
  CREATE: 'CreateOptions',
  UPDATE: 'UpdateOptions',
  DELETE: 'DeleteOptions',
  CONNECT: undefined,
};

/** The namespace the apiserver would put the object in: its own, or `default` for namespaced kinds. */
export function requestNamespace(object: KubeObject, catalog: ResourceCatalog): string | undefined {
  const gvk = gvkOf(object);
  if (!catalog.resolve(gvk.group, gvk.kind).namespaced) return undefined;
  const given = object.metadata?.namespace;
  return typeof given === 'string' && given !== '' ? given : DEFAULT_NAMESPACE;
}

export function buildRequest(object: KubeObject, options: RequestOptions): AdmissionRequest {
  const operation = options.operation ?? 'CREATE';
  const gvk = gvkOf(object);
  const { resource } = options.catalog.resolve(gvk.group, gvk.kind);
  const gvr = { group: gvk.group, version: gvk.version, resource };
  const namespace = requestNamespace(object, options.catalog);
  // The apiserver fills in the namespace of namespaced objects before admission; so do we, on a copy.
  const placed = namespace !== undefined && object.metadata?.namespace !== namespace
    ? { ...object, metadata: { ...object.metadata, namespace } }
    : object;
  const optionsKind = OPTIONS_KIND[operation];
  return {
    uid: randomUUID(),
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    name: typeof object.metadata?.name === 'string' ? object.metadata.name : '',
    ...(namespace !== undefined ? { namespace } : {}),
    operation,
    userInfo: options.userInfo ?? AUDIT_USER,
    object: operation === 'DELETE' ? null : placed,
    oldObject: operation === 'DELETE' ? placed : (options.oldObject ?? null),
    dryRun: true,
    options: optionsKind ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind } : null,
  };
}

/** Identity used to pair an object with its old version: group, kind, namespace, name. */
export function objectKey(object: KubeObject, catalog: ResourceCatalog): string {
  const gvk = gvkOf(object);
  return `${gvk.group}/${gvk.kind}/${requestNamespace(object, catalog) ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * Requests for every object. For UPDATE each object needs its old version among `oldObjects`
 * (same group, kind, namespace and name); one without it is bad input.
 */
export function buildRequests(
  objects: SourcedObject[],
  options: { operation: Operation; oldObjects?: SourcedObject[]; userInfo?: UserInfo; catalog: ResourceCatalog },
): AdmissionRequest[] {
  const old = new Map<string, KubeObject>();
  for (const item of options.oldObjects ?? []) old.set(objectKey(item.object, options.catalog), item.object);
  return objects.map((item) => {
    let oldObject: KubeObject | null = null;
    if (options.operation === 'UPDATE') {
      const found = old.get(objectKey(item.object, options.catalog));
      if (!found) {
        throw new AuditInputError(
          'OLD_OBJECT_MISSING',
          `no old version of ${describe(item.object, options.catalog)} in --old (UPDATE pairs objects by kind, namespace and name)`,
          { file: item.file, line: item.line },
        );
      }
      oldObject = found;
    }
    return buildRequest(item.object, {
      operation: options.operation,
      oldObject,
      catalog: options.catalog,
      ...(options.userInfo ? { userInfo: options.userInfo } : {}),
    });
  });
}

/** `Deployment shop/web`, `ClusterRole admin` — how people name an object. */
export function describe(object: KubeObject, catalog: ResourceCatalog): string {
  const namespace = requestNamespace(object, catalog);
  const name = object.metadata?.name ?? object.metadata?.generateName ?? '<unnamed>';
  return `${String(object.kind)} ${namespace ? `${namespace}/` : ''}${name}`;
}
