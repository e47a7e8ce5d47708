/**
 * Properties over generated pods: evaluation never throws on any JSON shape, restricted is never
 * more permissive than baseline at the same version, privileged allows everything, and every
 * forbidden result names its check and a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorVersion, LATEST } from '../../policies/pod-security/api.js';
import type { PodSpec } from '../../policies/pod-security/checks/types.js';
import { aggregate, defaultEvaluator } from '../../policies/pod-security/registry.js';

const bool = fc.option(fc.boolean(), { nil: undefined });
const securityContext = fc.record(
  {
    privileged: bool,
    allowPrivilegeEscalation: bool,
    runAsNonRoot: bool,
    runAsUser: fc.option(fc.constantFrom(0, 1000), { nil: undefined }),
    procMount: fc.option(fc.constantFrom('Default', 'Unmasked'), { nil: undefined }),
    capabilities: fc.option(
      fc.record({ add: fc.array(fc.constantFrom('NET_BIND_SERVICE', 'CHOWN', 'SYS_ADMIN', 'NET_RAW')), drop: fc.array(fc.constantFrom('ALL', 'NET_RAW')) }),
      { nil: undefined },
    ),
    seccompProfile: fc.option(fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined') }), { nil: undefined }),
    appArmorProfile: fc.option(fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined') }), { nil: undefined }),
    seLinuxOptions: fc.option(fc.record({ type: fc.constantFrom('container_t', 'spc_t', ''), user: fc.constantFrom('', 'root') }), { nil: undefined }),
    windowsOptions: fc.option(fc.record({ hostProcess: bool }), { nil: undefined }),
  },
  { requiredKeys: [] },
);
const container = fc.record(
  {
    name: fc.constantFrom('a', 'b', 'c'),
    image: fc.constant('x'),
    securityContext: fc.option(securityContext, { nil: undefined }),
    ports: fc.option(fc.array(fc.record({ hostPort: fc.constantFrom(0, 80, 8080) })), { nil: undefined }),
    livenessProbe: fc.option(fc.record({ httpGet: fc.record({ host: fc.constantFrom('', 'example.com') }) }), { nil: undefined }),
  },
  { requiredKeys: ['name'] },
);
const podSpec = fc.record(
  {
    containers: fc.array(container, { maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    ephemeralContainers: fc.array(container, { maxLength: 1 }),
    hostNetwork: bool,
    hostPID: bool,
    hostUsers: bool,
    os: fc.option(fc.record({ name: fc.constantFrom('linux', 'windows') }), { nil: undefined }),
    securityContext: fc.option(
      fc.record({ runAsNonRoot: bool, seccompProfile: fc.option(fc.record({ type: fc.constantFrom('RuntimeDefault', 'Unconfined') }), { nil: undefined }), sysctls: fc.array(fc.record({ name: fc.constantFrom('kernel.shm_rmid_forced', 'net.ipv4.tcp_rmem', 'kernel.msgmax') }), { maxLength: 2 }) }, { requiredKeys: [] }),
      { nil: undefined },
    ),
    volumes: fc.array(fc.constantFrom({ name: 'v', emptyDir: {} }, { name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: {} }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<PodSpec>;
const version = fc.oneof(fc.integer({ min: 0, max: 40 }).map(minorVersion), fc.constant(LATEST));

describe('pod-security properties', () => {
  it('restricted never allows what baseline forbids, at any version, for non-Windows pods; privileged allows all', () => {
    fc.assert(
      fc.property(podSpec.filter((spec) => spec.os?.name !== 'windows'), version, (spec, v) => {
        const restricted = aggregate(defaultEvaluator.evaluate('restricted', v, {}, spec));
        const baseline = aggregate(defaultEvaluator.evaluate('baseline', v, {}, spec));
        if (restricted.allowed) expect(baseline.allowed).toBe(true);
        expect(defaultEvaluator.evaluate('privileged', v, {}, spec)).toEqual([]);
        for (const r of [...restricted.forbidden, ...baseline.forbidden]) {
          expect(r.id).toBeTruthy();
          expect(r.forbiddenReason).toBeTruthy();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('like upstream, restricted v1.25+ exempts os windows pods from checks that replace baseline ones', () => {
    // API validation forbids these fields on Windows pods, so the apiserver never lets such a pod
    // through; the policy still answers exactly as Pod Security Admission does
    const spec: PodSpec = {
      os: { name: 'windows' },
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } },
      containers: [{ name: 'a', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }],
    };
    expect(aggregate(defaultEvaluator.evaluate('restricted', LATEST, {}, spec)).allowed).toBe(true);
    expect(aggregate(defaultEvaluator.evaluate('baseline', LATEST, {}, spec)).forbidden.map((r) => r.id)).toEqual(['capabilities_baseline', 'seccompProfile_baseline']);
    expect(aggregate(defaultEvaluator.evaluate('restricted', minorVersion(24), {}, spec)).allowed).toBe(false);
  });

  it('never throws on arbitrary JSON where a pod spec should be', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (a, b, c) => {
        const spec = { containers: a, initContainers: [b], securityContext: c, volumes: [a, b], ephemeralContainers: b } as unknown as PodSpec;
        const results = defaultEvaluator.evaluate('restricted', LATEST, { annotations: c } as never, spec);
        expect(results).toHaveLength(defaultEvaluator.checkIds('restricted', LATEST).length);
      }),
      { numRuns: 1000 },
    );
  });
});
