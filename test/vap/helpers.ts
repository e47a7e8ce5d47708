/** Test helpers for ValidatingAdmissionPolicy tests: YAML -> documents, lookups, requests. */
import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import type { Lookups } from '../../src/engine/types.js';
import type { SourcedDocument } from '../../src/loaders/errors.js';

/** Every document of a YAML stream, with the line each starts on (1-based). */
export function docs(yamlText: string, file = 'policies/test.yaml'): SourcedDocument[] {
  const out: SourcedDocument[] = [];
  for (const document of parseAllDocuments(yamlText)) {
    const doc = document.toJS() as KubeObject | null;
    if (!doc) continue;
    const offset = document.contents?.range?.[0] ?? 0;
    const line = yamlText.slice(0, offset).split('\n').length;
    out.push({ doc, file, line });
  }
  return out;
}

export function lookups(objects: KubeObject[] = [], namespaces: KubeObject[] = []): Lookups {
  return {
    namespace: (name) => namespaces.find((ns) => ns.metadata?.name === name),
    params: (apiVersion, kind, namespace) =>
      objects.filter(
        (o) => o.apiVersion === apiVersion && o.kind === kind && (namespace === undefined || (o.metadata?.namespace ?? '') === namespace),
      ),
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, managedFields: [{ manager: 'kubectl' }] } };
}

export function deployment(replicas: number, extra: { name?: string; namespace?: string; labels?: Record<string, string>; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: extra.name ?? 'web', namespace: extra.namespace ?? 'default', labels: extra.labels ?? { app: 'web' } },
    spec: {
      replicas,
      template: { spec: { containers: [{ name: 'app', image: extra.image ?? 'example.com/web:1' }] } },
    },
  };
}

export function deploymentRequest(object: KubeObject | null, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
    name: object?.metadata?.name ?? 'web',
    namespace: object?.metadata?.namespace ?? 'default',
    operation: 'CREATE',
    userInfo: { username: 'alice', uid: 'u-1', groups: ['system:authenticated'] },
    object,
    oldObject: null,
    dryRun: false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    ...overrides,
  };
}

/** A CEL environment stand-in for tests that must never reach CEL (invalid documents). */
export const NO_CEL = {
  compile() {
    throw new Error('CEL must not be used for an invalid document');
  },
  activation() {
    throw new Error('CEL must not be used for an invalid document');
  },
} as never;
