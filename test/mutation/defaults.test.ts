 
import { describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/index.js';
import type { JsonPatchOperation } from '../../src/admission/patch.js';
import defaults, { OPT_OUT_KEY } from '../../policies/defaults/index.js';
import { DefaultsConfigError } from '../../policies/defaults/config.js';
import type { DefaultsConfig } from '../../policies/defaults/config.js';
import { contextFor, mutate, pod } from './helpers.js';

function apply(original: KubeObject, ops: JsonPatchOperation[]): KubeObject {
  return jsonpatch.applyPatch(structuredClone(original), ops as jsonpatch.Operation[], true, false).newDocument;
}

/**
 * The patch, checked to round-trip (applied to the original it gives the intended object, or the
 * policy's own result when no intended object is written out) and to be a fixed point.
 */
function patchOf(object: KubeObject, intended?: KubeObject, options: Parameters<typeof mutate>[1] = {}) {
  const { patch, result } = mutate(object, options);
  const patched = apply(object, patch);
  expect(patched).toEqual(intended ?? result);
  expect(mutate(patched, options).patch).toEqual([]);
  return patch;
}

const RUNTIME_DEFAULT = { seccompProfile: { type: 'RuntimeDefault' } };

describe('defaults policy: exact patches', () => {
  it('fills in everything for a pod without resources or security settings', () => {
    const original = pod({ containers: [{ name: 'app', image: 'nginx:1.27' }] });
    const intended = pod({
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
          securityContext: { allowPrivilegeEscalation: false },
        },
      ],
      securityContext: RUNTIME_DEFAULT,
    });
    expect(patchOf(original, intended)).toEqual([
      {
        op: 'add',
        path: '/spec/containers/0/resources',
        value: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      { op: 'add', path: '/spec/containers/0/securityContext', value: { allowPrivilegeEscalation: false } },
      { op: 'add', path: '/spec/securityContext', value: RUNTIME_DEFAULT },
    ]);
  });

  it('completes partial resources without touching what the user set; init containers too; ephemeral untouched', () => {
    const original = pod({
      initContainers: [{ name: 'init', image: 'busybox', resources: { limits: { cpu: '1', memory: '64Mi' } } }],
      containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { memory: '1Gi' } }, securityContext: {} }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
    });
    const intended = pod({
      initContainers: [
        {
          name: 'init',
          image: 'busybox',
          // request = limit, as Kubernetes defaults it; no default exceeds the user's 64Mi limit
          resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false },
        },
      ],
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          // the default 512Mi limit would sit below the user's 1Gi request: the limit becomes 1Gi
          resources: { requests: { memory: '1Gi', cpu: '100m' }, limits: { memory: '1Gi' } },
          securityContext: { allowPrivilegeEscalation: false },
        },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      securityContext: RUNTIME_DEFAULT,
    });
    expect(patchOf(original, intended)).toEqual([
      { op: 'add', path: '/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false },
      { op: 'add', path: '/spec/containers/0/resources/requests/cpu', value: '100m' },
      { op: 'add', path: '/spec/containers/0/resources/limits', value: { memory: '1Gi' } },
      { op: 'add', path: '/spec/initContainers/0/resources/requests', value: { cpu: '1', memory: '64Mi' } },
      { op: 'add', path: '/spec/initContainers/0/securityContext', value: { allowPrivilegeEscalation: false } },
      { op: 'add', path: '/spec/securityContext', value: RUNTIME_DEFAULT },
    ]);
  });

  it('never lets a default request exceed a smaller limit the user set', () => {
    const original = pod({
      containers: [{ name: 'app', image: 'a', resources: { limits: { cpu: '50m', memory: '100Mi' } } }],
      securityContext: RUNTIME_DEFAULT,
    });
    expect(patchOf(original, undefined, {}).length).toBeGreaterThan(0);
    const { result } = mutate(original);
    expect((result.spec as any).containers[0].resources).toEqual({
      limits: { cpu: '50m', memory: '100Mi' },
      requests: { cpu: '50m', memory: '100Mi' },
    });
  });

  it('escapes resource names with / and ~ in patch paths (extended resources, custom defaults)', () => {
    const original = pod({
      containers: [{ name: 'gpu', image: 'cuda', resources: { limits: { 'nvidia.com/gpu': '1', memory: '2Gi' } } }],
      securityContext: RUNTIME_DEFAULT,
    });
    const config: DefaultsConfig = { resources: { requests: { cpu: null, 'example.com/a~b': '1' } }, allowPrivilegeEscalation: { enabled: false } };
    const intended = structuredClone(original);
    (intended.spec as any).containers[0].resources.requests = { 'nvidia.com/gpu': '1', memory: '2Gi', 'example.com/a~b': '1' };
    expect(patchOf(original, intended, { config })).toEqual([
      { op: 'add', path: '/spec/containers/0/resources/requests', value: { 'nvidia.com/gpu': '1', memory: '2Gi', 'example.com/a~b': '1' } },
    ]);
    const partial = structuredClone(original);
    (partial.spec as any).containers[0].resources.requests = { memory: '1Gi' };
    expect(mutate(partial, { config }).patch).toEqual([
      { op: 'add', path: '/spec/containers/0/resources/requests/nvidia.com~1gpu', value: '1' },
      { op: 'add', path: '/spec/containers/0/resources/requests/example.com~1a~0b', value: '1' },
    ]);
  });

  it('leaves a pod that already sets everything exactly as it is', () => {
    const original = pod({
      securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } },
      containers: [
        {
          name: 'app',
          image: 'nginx',
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '1Gi' } },
          securityContext: { allowPrivilegeEscalation: true },
        },
      ],
    });
    expect(patchOf(original, original)).toEqual([]);
    expect(defaults.mutate!(contextFor(structuredClone(original)))).toBeUndefined();
  });

  it('leaves container resources alone when the pod sets pod-level resources', () => {
    const original = pod({ resources: { limits: { memory: '1Gi' } }, containers: [{ name: 'a', image: 'a' }] });
    expect(mutate(original).patch.map((op) => op.path)).toEqual(['/spec/containers/0/securityContext', '/spec/securityContext']);
  });

  it('reads YAML numbers as quantities', () => {
    const original = pod({ containers: [{ name: 'a', image: 'a', resources: { requests: { memory: 2147483648, cpu: 1 } } }], securityContext: RUNTIME_DEFAULT });
    const { result } = mutate(original, { config: { allowPrivilegeEscalation: { enabled: false } } });
    expect((result.spec as any).containers[0].resources.limits).toEqual({ memory: 2147483648 });
  });
});

describe('defaults policy: security context rules', () => {
  it('skips allowPrivilegeEscalation for privileged and SYS_ADMIN containers (API validation forbids false)', () => {
    const original = pod({
      securityContext: RUNTIME_DEFAULT,
      containers: [
        { name: 'priv', image: 'a', securityContext: { privileged: true }, resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'cap', image: 'a', securityContext: { capabilities: { add: ['CAP_SYS_ADMIN'] } }, resources: { limits: { memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'cap2', image: 'a', securityContext: { capabilities: { add: ['sys_admin'] } }, resources: { limits: { memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'plain', image: 'a', securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } }, resources: { limits: { memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
      ],
    });
    expect(patchOf(original, undefined)).toEqual([
      { op: 'add', path: '/spec/containers/3/securityContext/allowPrivilegeEscalation', value: false },
    ]);
  });

  it('adds no pod seccompProfile when one container chooses a profile, or a legacy annotation does', () => {
    const oneChooses = pod({
      containers: [
        { name: 'a', image: 'a', securityContext: { seccompProfile: { type: 'Unconfined' }, allowPrivilegeEscalation: false } },
        { name: 'b', image: 'b', securityContext: { allowPrivilegeEscalation: false } },
      ],
    });
    const config: DefaultsConfig = { resources: { enabled: false } };
    expect(mutate(oneChooses, { config }).patch).toEqual([]);
    const ephemeralChooses = pod({
      containers: [{ name: 'a', image: 'a', securityContext: { allowPrivilegeEscalation: false } }],
      ephemeralContainers: [{ name: 'd', image: 'd', securityContext: { seccompProfile: { type: 'Unconfined' } } }],
    });
    expect(mutate(ephemeralChooses, { config }).patch).toEqual([]);
    const legacy = pod(
      { containers: [{ name: 'a', image: 'a', securityContext: { allowPrivilegeEscalation: false } }] },
      { annotations: { 'container.seccomp.security.alpha.kubernetes.io/a': 'unconfined' } },
    );
    expect(mutate(legacy, { config }).patch).toEqual([]);
  });

  it('keeps existing pod securityContext fields when adding seccompProfile', () => {
    const original = pod({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', image: 'a' }] });
    expect(mutate(original, { config: { resources: { enabled: false }, allowPrivilegeEscalation: { enabled: false } } }).patch).toEqual([
      { op: 'add', path: '/spec/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
    ]);
  });

  it('sets neither seccompProfile nor allowPrivilegeEscalation on Windows pods, but still resources', () => {
    const windows = pod({ os: { name: 'windows' }, containers: [{ name: 'a', image: 'a', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } } }] });
    expect(mutate(windows).patch).toEqual([]);
    const hostProcess = pod({ securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'a', image: 'a' }] });
    expect(mutate(hostProcess).patch.map((op) => op.path)).toEqual(['/spec/containers/0/resources']);
  });
});

describe('defaults policy: what is mutated when', () => {
  const bare = () => pod({ containers: [{ name: 'app', image: 'nginx' }] });
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };

  it.each([
    ['Deployment', 'apps/v1', { replicas: 1, template }, '/spec/template/spec'],
    ['StatefulSet', 'apps/v1', { template }, '/spec/template/spec'],
    ['DaemonSet', 'apps/v1', { template }, '/spec/template/spec'],
    ['ReplicaSet', 'apps/v1', { template }, '/spec/template/spec'],
    ['ReplicationController', 'v1', { template }, '/spec/template/spec'],
    ['Job', 'batch/v1', { template }, '/spec/template/spec'],
    ['CronJob', 'batch/v1', { schedule: '* * * * *', jobTemplate: { spec: { template } } }, '/spec/jobTemplate/spec/template/spec'],
  ])('mutates the pod template of a %s', (kind, apiVersion, spec, prefix) => {
    const object: KubeObject = { apiVersion, kind, metadata: { name: 'w', namespace: 'default' }, spec };
    expect(patchOf(object, undefined, {}).map((op) => op.path)).toEqual([
      `${prefix}/containers/0/resources`,
      `${prefix}/containers/0/securityContext`,
      `${prefix}/securityContext`,
    ]);
  });

  it('mutates Pods and Jobs on CREATE only (their pod spec is immutable), other workloads on UPDATE too', () => {
    expect(mutate(bare(), { operation: 'UPDATE' }).patch).toEqual([]);
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template } };
    expect(mutate(job, { operation: 'UPDATE' }).patch).toEqual([]);
    const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template } };
    expect(mutate(deployment, { operation: 'UPDATE' }).patch).toHaveLength(3);
    expect(mutate(bare(), { operation: 'DELETE' }).patch).toEqual([]);
  });

  it('leaves workloads alone with workloads: false, and ignores other kinds', () => {
    const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template } };
    expect(mutate(deployment, { config: { workloads: false } }).patch).toEqual([]);
    expect(mutate(bare(), { config: { workloads: false } }).patch).toHaveLength(3);
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { spec: 'x' } };
    expect(mutate(configMap).patch).toEqual([]);
  });

  it(`skips namespaces labelled or annotated ${OPT_OUT_KEY}: "false"`, () => {
    const ns = (field: 'labels' | 'annotations', value: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', [field]: { [OPT_OUT_KEY]: value } } });
    expect(mutate(bare(), { namespace: ns('labels', 'false') }).patch).toEqual([]);
    expect(mutate(bare(), { namespace: ns('annotations', 'false') }).patch).toEqual([]);
    expect(mutate(bare(), { namespace: ns('labels', 'true') }).patch).toHaveLength(3);
  });

  it('skips mirror pods and objects being deleted', () => {
    expect(mutate(pod({ containers: [{ name: 'a', image: 'a' }] }, { annotations: { 'kubernetes.io/config.mirror': 'abc' } })).patch).toEqual([]);
    const deployment: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { template },
    };
    expect(mutate(deployment, { operation: 'UPDATE' }).patch).toEqual([]);
  });

  it('switches each mutation off individually', () => {
    const paths = (config: DefaultsConfig) => mutate(bare(), { config }).patch.map((op) => op.path);
    expect(paths({ resources: { enabled: false } })).toEqual(['/spec/containers/0/securityContext', '/spec/securityContext']);
    expect(paths({ seccompProfile: { enabled: false } })).toEqual(['/spec/containers/0/resources', '/spec/containers/0/securityContext']);
    expect(paths({ allowPrivilegeEscalation: { enabled: false } })).toEqual(['/spec/containers/0/resources', '/spec/securityContext']);
    expect(paths({ resources: { requests: { cpu: null, memory: null }, limits: null } })).toEqual([
      '/spec/containers/0/securityContext',
      '/spec/securityContext',
    ]);
  });

  it('sets imagePullPolicy Always only when opted in, never for digests or Never', () => {
    const containers = [
      { name: 'tag', image: 'nginx:1.27' },
      { name: 'digest', image: 'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' },
      { name: 'ifnp', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' },
      { name: 'never', image: 'nginx:1.27', imagePullPolicy: 'Never' },
    ];
    const only: DefaultsConfig = { resources: { enabled: false }, seccompProfile: { enabled: false }, allowPrivilegeEscalation: { enabled: false } };
    expect(mutate(pod({ containers }), { config: only }).patch).toEqual([]);
    expect(mutate(pod({ containers }), { config: { ...only, imagePullPolicy: { enabled: true } } }).patch).toEqual([
      { op: 'add', path: '/spec/containers/0/imagePullPolicy', value: 'Always' },
    ]);
    const withOverride = { ...only, imagePullPolicy: { enabled: true, overrideIfNotPresent: true } };
    expect(patchOf(pod({ containers }), undefined, { config: withOverride })).toEqual([
      { op: 'replace', path: '/spec/containers/2/imagePullPolicy', value: 'Always' },
      { op: 'add', path: '/spec/containers/0/imagePullPolicy', value: 'Always' },
    ]);
  });
});

describe('defaults policy: configuration errors', () => {
  it.each([
    [{ resources: { requests: { memory: '12XB' } } }, 'resources.requests.memory', 'policyConfig.defaults.resources.requests.memory: "12XB" is not a valid quantity'],
    [{ resources: { limits: { memory: 256 } } }, 'resources.limits.memory', 'policyConfig.defaults.resources.limits.memory: must be a quantity string such as "100m" or "128Mi", got 256'],
    [{ resources: { requests: { cpu: '-1' } } }, 'resources.requests.cpu', 'policyConfig.defaults.resources.requests.cpu: must not be negative, got -1'],
    [{ resources: { requests: { memory: '1Gi' } } }, 'resources.requests.memory', 'policyConfig.defaults.resources.requests.memory: default request 1Gi exceeds the default limit 512Mi'],
    [{ resources: { requests: ['cpu'] } }, 'resources.requests', 'policyConfig.defaults.resources.requests: must be a map of resource name to quantity, got array'],
    [{ seccompProfile: { enabled: 'yes' } }, 'seccompProfile.enabled', 'policyConfig.defaults.seccompProfile.enabled: must be true or false, got "yes"'],
    [{ imagePullPolicy: true }, 'imagePullPolicy', 'policyConfig.defaults.imagePullPolicy: must be an object, got boolean'],
  ])('rejects %j', (config, field, message) => {
    const run = () => mutate(pod({ containers: [{ name: 'a', image: 'a' }] }), { config: config as DefaultsConfig });
    expect(run).toThrow(DefaultsConfigError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (error) {
      expect((error as DefaultsConfigError).field).toBe(field);
      expect((error as DefaultsConfigError).code).toBe('DEFAULTS_CONFIG');
    }
  });
});
