/** Realistic review bodies for benchmarks: what a kube-apiserver sends for a typical workload. */
const container = (name: string, image: string) => ({
  name,
  image,
  imagePullPolicy: 'IfNotPresent',
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ],
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/live', port: 8080 }, periodSeconds: 10 },
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/app' }],
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
});

export function benchPodSpec() {
  return {
    containers: [container('app', 'registry.example.com/shop/web:1.24.3'), container('sidecar', 'registry.example.com/mesh/proxy:2.1.0')],
    initContainers: [{ ...container('migrate', 'registry.example.com/shop/migrate:1.24.3'), readinessProbe: undefined, livenessProbe: undefined }],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'config', configMap: { name: 'web-config' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    ],
    securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    serviceAccountName: 'web',
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    terminationGracePeriodSeconds: 30,
  };
}

const metadata = (name: string) => ({
  name,
  namespace: 'shop',
  labels: { app: 'web', 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/version': '1.24.3', team: 'storefront' },
  annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
});

export function benchObject(kind: 'pod' | 'deployment') {
  if (kind === 'pod') return { apiVersion: 'v1', kind: 'Pod', metadata: metadata('web-7d9c6b5f4-x2k8p'), spec: benchPodSpec() };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: benchPodSpec() } },
  };
}

export function benchPodReview(kind: 'pod' | 'deployment' = 'pod') {
  const object = benchObject(kind);
  const gvr = kind === 'pod' ? { group: '', version: 'v1', resource: 'pods' } : { group: 'apps', version: 'v1', resource: 'deployments' };
  const gvk = { group: gvr.group, version: gvr.version, kind: object.kind };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: object.metadata.name,
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: 'a1b2', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
