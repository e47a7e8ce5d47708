/**
 * Pod Security Admission behaviour beyond the fixtures: namespace labels and their defaults,
 * version pinning, invalid labels, exemptions, pod updates, ephemeral containers, workloads,
 * and the wording of every message.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/index.js';
import type { PodSecurityConfiguration } from '../../policies/pod-security/config.js';
import { byAction, deploymentOf, labels, restrictedPod, validate } from './helpers.js';

const PRIVILEGED_DETAIL = 'privileged (container "app" must not set securityContext.privileged=true)';

function privilegedPod(): KubeObject {
  const pod = restrictedPod();
  const container = (pod.spec as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>;
  container.securityContext = { ...(container.securityContext as object), privileged: true };
  return pod;
}

/** baseline allows it; restricted does not (nothing restricted asks for is set) */
function baselinePod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  };
}

const RESTRICTED_DETAIL =
  'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

const ALL_PRIVILEGED: PodSecurityConfiguration = { defaults: { enforce: 'privileged', audit: 'privileged', warn: 'privileged' } };

describe('pod-security with the embedded default (enforce baseline, warn + audit restricted)', () => {
  it('denies a privileged pod with Pod Security Admission wording, rule = check id', () => {
    const out = validate(privilegedPod());
    expect(byAction(out, 'Deny')).toEqual({ messages: [`violates PodSecurity "baseline:latest": ${PRIVILEGED_DETAIL}`], rules: ['privileged'] });
    expect(byAction(out, 'Warn').messages).toEqual([]); // PSA adds no warnings to a request it rejects
    expect(byAction(out, 'Audit').messages).toEqual([`would violate PodSecurity "restricted:latest": ${PRIVILEGED_DETAIL}`]);
    expect(out.auditAnnotations).toEqual({ 'enforce-policy': 'baseline:latest' });
  });

  it('joins several failed controls into one message, in upstream order (baseline IDs sorted, then restricted)', () => {
    const pod = privilegedPod();
    Object.assign(pod.spec as object, { hostNetwork: true, hostPID: true });
    const deny = byAction(validate(pod), 'Deny');
    expect(deny.messages).toEqual([
      `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), ${PRIVILEGED_DETAIL}`,
    ]);
    expect(deny.rules).toEqual(['hostNamespaces', 'privileged']);
  });

  it('allows a baseline pod and warns + audits what restricted would refuse', () => {
    const out = validate(baselinePod());
    expect(byAction(out, 'Deny').messages).toEqual([]);
    expect(byAction(out, 'Warn')).toEqual({
      messages: [`would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`],
      rules: ['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted'],
    });
    expect(byAction(out, 'Audit').messages).toEqual([`would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
  });

  it('says nothing about a restricted pod except the enforced policy', () => {
    const out = validate(restrictedPod());
    expect(out.violations).toEqual([]);
    expect(out.auditAnnotations).toEqual({ 'enforce-policy': 'baseline:latest' });
  });

  it('applies the defaults when the namespace is unknown', () => {
    expect(byAction(validate(privilegedPod(), { noNamespace: true }), 'Deny').rules).toEqual(['privileged']);
  });
});

describe('namespace labels', () => {
  it('enforce=restricted denies what baseline allows', () => {
    const deny = byAction(validate(baselinePod(), { labels: labels('enforce', 'restricted') }), 'Deny');
    expect(deny.messages).toEqual([`violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
  });

  it('enforce/warn/audit=privileged allows anything and records privileged:latest', () => {
    const out = validate(privilegedPod(), { labels: { ...labels('enforce', 'privileged'), ...labels('warn', 'privileged'), ...labels('audit', 'privileged') } });
    expect(out.violations).toEqual([]);
    expect(out.auditAnnotations).toEqual({ 'enforce-policy': 'privileged:latest' });
  });

  it('enforce=privileged alone still warns and audits at the default restricted level', () => {
    const out = validate(privilegedPod(), { labels: labels('enforce', 'privileged') });
    expect(byAction(out, 'Deny').messages).toEqual([]);
    expect(byAction(out, 'Warn').messages).toEqual([`would violate PodSecurity "restricted:latest": ${PRIVILEGED_DETAIL}`]);
    expect(out.auditAnnotations).toEqual({ 'enforce-policy': 'privileged:latest' });
  });

  it('pins the version: runAsUser=0 is allowed by restricted v1.22 and denied from v1.23', () => {
    const pod = restrictedPod();
    (pod.spec as { securityContext: Record<string, unknown> }).securityContext.runAsUser = 0;
    const at = (version: string) => byAction(validate(pod, { labels: labels('enforce', 'restricted', version) }), 'Deny').messages;
    expect(at('v1.22')).toEqual([]);
    expect(at('v1.23')).toEqual(['violates PodSecurity "restricted:v1.23": runAsUser=0 (pod must not set runAsUser=0)']);
  });

  it('treats versions newer than the newest known as the newest, and names them as given', () => {
    const pod = baselinePod();
    (pod.spec as Record<string, unknown>).securityContext = { sysctls: [{ name: 'net.ipv4.tcp_notsent_lowat', value: '16384' }] };
    const at = (version: string) => byAction(validate(pod, { labels: labels('enforce', 'baseline', version) }), 'Deny').messages;
    expect(at('v1.36')).toEqual(['violates PodSecurity "baseline:v1.36": forbidden sysctls (net.ipv4.tcp_notsent_lowat)']);
    expect(at('v1.37')).toEqual([]);
    expect(at('v1.99')).toEqual([]);
    (pod.spec as { securityContext: { sysctls: unknown[] } }).securityContext.sysctls.push({ name: 'kernel.msgmax' });
    expect(at('v1.99')).toEqual(['violates PodSecurity "baseline:v1.99": forbidden sysctls (kernel.msgmax)']);
  });

  it('warn follows an explicitly stricter enforce label (level and version) when warn is not labelled', () => {
    const out = validate(deploymentOf(privilegedPod()), { config: ALL_PRIVILEGED, labels: labels('enforce', 'baseline', 'v1.20') });
    expect(byAction(out, 'Warn').messages).toEqual([`would violate PodSecurity "baseline:v1.20": ${PRIVILEGED_DETAIL}`]);
    expect(byAction(out, 'Audit').messages).toEqual([]);
  });

  it('an explicit warn-version keeps its own version when warn follows enforce', () => {
    const out = validate(deploymentOf(privilegedPod()), { config: ALL_PRIVILEGED, labels: { ...labels('enforce', 'baseline', 'v1.20'), 'pod-security.kubernetes.io/warn-version': 'v1.30' } });
    expect(byAction(out, 'Warn').messages).toEqual([`would violate PodSecurity "baseline:v1.30": ${PRIVILEGED_DETAIL}`]);
  });

  it('audit label alone: audit annotation only, no warning', () => {
    const out = validate(deploymentOf(privilegedPod()), { config: ALL_PRIVILEGED, labels: labels('audit', 'baseline') });
    expect(byAction(out, 'Warn').messages).toEqual([]);
    expect(byAction(out, 'Audit')).toEqual({ messages: [`would violate PodSecurity "baseline:latest": ${PRIVILEGED_DETAIL}`], rules: ['privileged'] });
  });
});

describe('invalid namespace labels (as Pod Security Admission parses them)', () => {
  it('an unknown enforce level enforces restricted and records the error', () => {
    const out = validate(baselinePod(), { labels: labels('enforce', 'bogus') });
    expect(byAction(out, 'Deny').messages).toEqual([`violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
    expect(out.auditAnnotations).toEqual({
      'enforce-policy': 'restricted:latest',
      error: 'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
    });
  });

  it('an invalid version reads as latest; several errors are listed in brackets', () => {
    const out = validate(privilegedPod(), { labels: { ...labels('enforce', 'baseline', 'v1.022'), ...labels('warn', 'nope') } });
    expect(byAction(out, 'Deny').messages).toEqual([`violates PodSecurity "baseline:latest": ${PRIVILEGED_DETAIL}`]);
    expect(out.auditAnnotations?.error).toBe(
      'Failed to parse policy: [metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.022": must be "latest" or "v1.x", ' +
        'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "nope": must be one of privileged, baseline, restricted]',
    );
  });

  it('an unknown warn or audit level fails open to privileged', () => {
    const out = validate(deploymentOf(privilegedPod()), { labels: { ...labels('warn', 'strict'), ...labels('audit', 'strict') } });
    expect(out.violations).toEqual([]);
    expect(out.auditAnnotations?.error).toContain('pod-security.kubernetes.io/warn]: Invalid value: "strict"');
  });

  it('an invalid label on an otherwise privileged namespace still evaluates (no short-circuit)', () => {
    const out = validate(restrictedPod(), {
      config: ALL_PRIVILEGED,
      labels: { ...labels('enforce', 'privileged', 'latest'), ...labels('audit', 'privileged', 'v2.0') },
    });
    expect(out.violations).toEqual([]);
    expect(out.auditAnnotations).toEqual({
      'enforce-policy': 'privileged:latest',
      error: 'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v2.0": must be "latest" or "v1.x"',
    });
  });
});

describe('exemptions', () => {
  const config: PodSecurityConfiguration = {
    defaults: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' },
    exemptions: { namespaces: ['kube-system'], usernames: ['system:serviceaccount:kube-system:replicaset-controller'], runtimeClasses: ['kata'] },
  };

  it('skips exempt namespaces (kube-system by default)', () => {
    const out = validate(privilegedPod(), { namespace: 'kube-system' });
    expect(out.violations).toEqual([]);
    expect(out.auditAnnotations).toEqual({ exempt: 'namespace' });
    expect(validate(deploymentOf(privilegedPod()), { namespace: 'kube-system' }).violations).toEqual([]);
  });

  it('skips exempt users', () => {
    const out = validate(privilegedPod(), { config, username: 'system:serviceaccount:kube-system:replicaset-controller' });
    expect(out).toEqual({ violations: [], auditAnnotations: { exempt: 'user' } });
    expect(byAction(validate(privilegedPod(), { config, username: 'bob' }), 'Deny').rules).toEqual(['privileged']);
  });

  it('skips pods with an exempt runtimeClassName, after the namespace labels are read', () => {
    const pod = privilegedPod();
    (pod.spec as Record<string, unknown>).runtimeClassName = 'kata';
    expect(validate(pod, { config })).toEqual({ violations: [], auditAnnotations: { exempt: 'runtimeClass' } });
    expect(validate(deploymentOf(pod), { config })).toEqual({ violations: [], auditAnnotations: { exempt: 'runtimeClass' } });
    (pod.spec as Record<string, unknown>).runtimeClassName = 'runc';
    expect(byAction(validate(pod, { config }), 'Deny').rules).toContain('privileged');
    // a fully privileged namespace answers before the runtime class is looked at
    (pod.spec as Record<string, unknown>).runtimeClassName = 'kata';
    const privileged = { ...labels('enforce', 'privileged'), ...labels('warn', 'privileged'), ...labels('audit', 'privileged') };
    expect(validate(pod, { config, labels: privileged }).auditAnnotations).toEqual({ 'enforce-policy': 'privileged:latest' });
  });
});

describe('pod updates and subresources', () => {
  it('does not re-check an UPDATE that changes no image (e.g. labels on a running privileged pod)', () => {
    const old = privilegedPod();
    const updated = privilegedPod();
    updated.metadata = { ...updated.metadata, labels: { release: 'v2' } };
    expect(validate(updated, { operation: 'UPDATE', oldObject: old })).toEqual({ violations: [], auditAnnotations: {} });
  });

  it('re-checks an UPDATE that changes a container image', () => {
    const old = privilegedPod();
    const updated = privilegedPod();
    ((updated.spec as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>).image = 'nginx:1.28';
    expect(byAction(validate(updated, { operation: 'UPDATE', oldObject: old }), 'Deny').rules).toEqual(['privileged']);
  });

  it('checks ephemeral containers added through the ephemeralcontainers subresource', () => {
    const old = restrictedPod();
    const updated = restrictedPod();
    (updated.spec as Record<string, unknown>).ephemeralContainers = [
      { name: 'debugger', image: 'busybox', securityContext: { privileged: true } },
    ];
    const out = validate(updated, { operation: 'UPDATE', oldObject: old, subResource: 'ephemeralcontainers' });
    expect(byAction(out, 'Deny').messages).toEqual([
      'violates PodSecurity "baseline:latest": privileged (container "debugger" must not set securityContext.privileged=true)',
    ]);
    // the same ephemeral container, unchanged, in a later update is not significant
    const again = validate(updated, { operation: 'UPDATE', oldObject: structuredClone(updated), subResource: 'ephemeralcontainers' });
    expect(again.violations).toEqual([]);
  });

  it('names init, regular and ephemeral containers in that order', () => {
    const pod: KubeObject = {
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        ephemeralContainers: [{ name: 'e', image: 'x', securityContext: { privileged: true } }],
        containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }],
        initContainers: [{ name: 'i', image: 'x', securityContext: { privileged: true } }],
      },
    };
    expect(byAction(validate(pod), 'Deny').messages).toEqual([
      'violates PodSecurity "baseline:latest": privileged (containers "i", "c", "e" must not set securityContext.privileged=true)',
    ]);
  });

  it('ignores status, exec, binding and other non-spec subresources, and DELETE', () => {
    for (const subResource of ['status', 'exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy']) {
      expect(validate(privilegedPod(), { operation: 'UPDATE', oldObject: baselinePod(), subResource }).violations).toEqual([]);
    }
    expect(validate(privilegedPod(), { operation: 'DELETE' }).violations).toEqual([]);
  });
});

describe('workloads: warn and audit on the pod template, never deny', () => {
  const template = { metadata: { labels: { app: 'x' } }, spec: privilegedPod().spec };
  const cases: [string, KubeObject][] = [
    ['Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template } }],
    ['StatefulSet', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { template } }],
    ['DaemonSet', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { template } }],
    ['ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { template } }],
    ['Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template } }],
    ['CronJob', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template } } } }],
    ['ReplicationController', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template } }],
    ['PodTemplate', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt' }, template }],
  ];
  for (const [kind, object] of cases) {
    it(`${kind}: warns at the warn level and audits, even where enforce would deny`, () => {
      const out = validate(object, { labels: labels('enforce', 'baseline') });
      expect(byAction(out, 'Deny').messages).toEqual([]);
      expect(byAction(out, 'Warn')).toEqual({ messages: [`would violate PodSecurity "restricted:latest": ${PRIVILEGED_DETAIL}`], rules: ['privileged'] });
      expect(byAction(out, 'Audit').rules).toEqual(['privileged']);
      expect(out.auditAnnotations).toEqual({}); // no enforce-policy for workloads
    });
  }

  it('skips workload subresources, a ReplicationController without template, and other kinds', () => {
    const deployment = cases[0]?.[1] as KubeObject;
    expect(validate(deployment, { subResource: 'scale', operation: 'UPDATE', oldObject: deployment }).violations).toEqual([]);
    expect(validate({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: {} }).violations).toEqual([]);
    expect(validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { privileged: 'true' } }).violations).toEqual([]);
  });

  it('a workload in a namespace whose warn and audit are privileged is not evaluated at all', () => {
    const out = validate(deploymentOf(privilegedPod()), { labels: { ...labels('warn', 'privileged'), ...labels('audit', 'privileged') } });
    expect(out).toEqual({ violations: [], auditAnnotations: {} });
  });
});

describe('Namespace labels are validated as Pod Security Admission does', () => {
  const ns = (name: string, nsLabels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: nsLabels } });

  it('refuses a Namespace created with invalid pod-security labels', () => {
    const out = validate(ns('team-b', { ...labels('enforce', 'strict', 'v1.x') }));
    expect(out.violations).toEqual([
      {
        action: 'Deny',
        rule: 'namespaceLabels',
        path: 'metadata.labels',
        message:
          'Namespace "team-b" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, ' +
          'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.x": must be "latest" or "v1.x"]',
      },
    ]);
    expect(validate(ns('team-b', labels('enforce', 'restricted', 'v1.30'))).violations).toEqual([]);
  });

  it('on UPDATE refuses new label errors but lets a namespace keep the errors it already had', () => {
    const broken = ns('team-b', labels('warn', 'loud'));
    expect(byAction(validate(broken, { operation: 'UPDATE', oldObject: ns('team-b') }), 'Deny').messages).toEqual([
      'Namespace "team-b" is invalid: metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted',
    ]);
    const relabelled = ns('team-b', { ...labels('warn', 'loud'), team: 'b' });
    expect(validate(relabelled, { operation: 'UPDATE', oldObject: broken }).violations).toEqual([]);
  });

  it('warns when an exempt namespace asks for a policy that will be ignored', () => {
    const out = validate(ns('kube-system', { ...labels('enforce', 'restricted'), ...labels('audit', 'privileged') }));
    expect(out.violations).toEqual([
      {
        action: 'Warn',
        rule: 'namespaceLabels',
        path: 'metadata.labels',
        message: 'namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored',
      },
    ]);
    // labels equal to the defaults, or fully privileged, say nothing
    expect(validate(ns('kube-system', labels('enforce', 'baseline'))).violations).toEqual([]);
    expect(validate(ns('kube-system', { ...labels('enforce', 'privileged'), ...labels('warn', 'privileged'), ...labels('audit', 'privileged') })).violations).toEqual([]);
  });
});
