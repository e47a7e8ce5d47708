/** Real AdmissionReview bodies as the kube-apiserver sends them. */
import { randomUUID } from 'node:crypto';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import { KIND_RESOURCES } from './kinds.js';

export function pod(overrides: Partial<KubeObject> & { spec?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/web:1.4.2',
          ports: [{ containerPort: 8080 }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        },
      ],
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    },
    ...overrides,
  };
}


export function admissionRequest(object: KubeObject, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  const kind = object.kind ?? 'Pod';
  const gvr = KIND_RESOURCES[kind] ?? { group: '', version: 'v1', resource: `${kind.toLowerCase()}s` };
  return {
    uid: randomUUID(),
    kind: { group: gvr.group, version: gvr.version, kind },
    resource: gvr,
    requestKind: { group: gvr.group, version: gvr.version, kind },
    requestResource: gvr,
    name: object.metadata?.name,
    namespace: kind === 'Namespace' ? undefined : (object.metadata?.namespace ?? 'default'),
    operation: 'CREATE',
    userInfo: { username: 'alice', uid: 'u-1', groups: ['system:authenticated'] },
    object,
    oldObject: null,
    dryRun: false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    ...overrides,
  };
}

export function admissionReview(object: KubeObject, overrides: Partial<AdmissionRequest> = {}, apiVersion = 'admission.k8s.io/v1') {
  return { apiVersion, kind: 'AdmissionReview', request: admissionRequest(object, overrides) };
}
