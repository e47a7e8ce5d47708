/** The check registry (which checks run at which level and version) and the label/version parsing. */
import { describe, expect, it } from 'vitest';
import { parseLevel, parseVersion, policyToEvaluate, type ModePolicy } from '../../policies/pod-security/api.js';
import { ALLOWED, forbidden, type Check } from '../../policies/pod-security/checks/types.js';
import { aggregate, CheckRegistryError, createEvaluator, defaultEvaluator, forbiddenDetail, forbiddenReason } from '../../policies/pod-security/registry.js';

const BASELINE_V1_0 = [
  'appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts', 'privileged',
  'procMount', 'seLinuxOptions', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess',
];

describe('registry', () => {
  it('knows v1.37 as the newest version', () => {
    expect(defaultEvaluator.maxVersion.text).toBe('v1.37');
  });

  it('runs baseline checks in ID order (byte order: seLinuxOptions before seccompProfile_baseline)', () => {
    expect(defaultEvaluator.checkIds('baseline', 'v1.0')).toEqual(BASELINE_V1_0);
    expect(defaultEvaluator.checkIds('baseline', 'v1.34')).toEqual([...BASELINE_V1_0.slice(0, 5), 'hostProbesAndHostLifecycle', ...BASELINE_V1_0.slice(5)]);
  });

  it('restricted = baseline minus overridden checks, then restricted checks, per version', () => {
    expect(defaultEvaluator.checkIds('restricted', 'v1.0')).toEqual([
      ...BASELINE_V1_0.filter((id) => id !== 'hostPathVolumes'), 'restrictedVolumes', 'runAsNonRoot',
    ]);
    expect(defaultEvaluator.checkIds('restricted', 'v1.37')).toEqual([
      'appArmorProfile', 'hostNamespaces', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'seLinuxOptions', 'sysctls', 'windowsHostProcess',
      'allowPrivilegeEscalation', 'capabilities_restricted', 'procMount_restricted', 'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted',
    ]);
  });

  it('latest and versions past the newest use the newest; privileged runs nothing', () => {
    expect(defaultEvaluator.checkIds('restricted', 'latest')).toEqual(defaultEvaluator.checkIds('restricted', 'v1.37'));
    expect(defaultEvaluator.checkIds('baseline', 'v1.250')).toEqual(defaultEvaluator.checkIds('baseline', 'v1.37'));
    expect(defaultEvaluator.evaluate('privileged', 'latest', {}, { hostPID: true })).toEqual([]);
  });

  it('evaluate returns every check result with its id; allowed ones are shared', () => {
    const first = defaultEvaluator.evaluate('baseline', 'latest', {}, { hostPID: true });
    const second = defaultEvaluator.evaluate('baseline', 'latest', {}, {});
    expect(first.map((r) => r.id)).toEqual(defaultEvaluator.checkIds('baseline', 'latest'));
    expect(first.filter((r) => !r.allowed)).toEqual([{ allowed: false, id: 'hostNamespaces', forbiddenReason: 'host namespaces', forbiddenDetail: 'hostPID=true' }]);
    expect(first[0]).toBe(second[0]);
  });

  it('rejects an invalid version string or level', () => {
    expect(() => defaultEvaluator.evaluate('baseline', 'v1.x', {}, {})).toThrow(new CheckRegistryError('invalid version "v1.x": must be "latest" or "v1.x"'));
    expect(() => defaultEvaluator.evaluate('strict' as 'baseline', 'latest', {}, {})).toThrow('unknown level "strict"');
  });

  it('refuses inconsistent check lists, as upstream NewEvaluator does', () => {
    const fn = () => ALLOWED;
    const check = (id: string, level: 'baseline' | 'restricted', versions: Check['versions']): Check => ({ id, level, versions });
    expect(() => createEvaluator([check('a', 'baseline', [{ minimumVersion: 0, check: fn }]), check('a', 'baseline', [{ minimumVersion: 0, check: fn }])])).toThrow(
      'multiple checks registered for ID a',
    );
    expect(() => createEvaluator([check('a', 'baseline', [])])).toThrow('check a: empty');
    expect(() => createEvaluator([check('a', 'baseline', [{ minimumVersion: 3, check: fn }, { minimumVersion: 3, check: fn }])])).toThrow('versions must be strictly increasing');
    expect(() => createEvaluator([check('a', 'baseline', [{ minimumVersion: 0, check: fn, overrideCheckIds: ['b'] }])])).toThrow('only restricted checks may set overrides');
    expect(() =>
      createEvaluator([check('r1', 'restricted', [{ minimumVersion: 0, check: fn }]), check('r2', 'restricted', [{ minimumVersion: 0, check: fn, overrideCheckIds: ['r1'] }])]),
    ).toThrow('check r2: overrides restricted check r1');
  });

  it('aggregates like upstream: reasons joined by ", ", details in parentheses, unknown reasons named', () => {
    const result = aggregate([ALLOWED, forbidden('host ports', '8080'), forbidden('', ''), forbidden('privileged', '')]);
    expect(forbiddenDetail(result)).toBe('host ports (8080), unknown forbidden reason, privileged');
    expect(forbiddenReason(result)).toBe('host ports, unknown forbidden reason, privileged');
    expect(aggregate([ALLOWED]).allowed).toBe(true);
  });
});

describe('levels, versions and namespace labels', () => {
  it('parses versions as upstream: v1.<n> without leading zeros, or latest', () => {
    expect(parseVersion('v1.0')).toEqual({ value: expect.objectContaining({ minor: 0, text: 'v1.0' }) });
    expect(parseVersion('v1.123').value.text).toBe('v1.123');
    expect(parseVersion('latest').value.latest).toBe(true);
    for (const bad of ['v1.01', 'v2.0', '1.20', 'v1.', 'v1.-1', 'Latest', '']) {
      expect(parseVersion(bad)).toEqual({ value: expect.objectContaining({ latest: true }), error: 'must be "latest" or "v1.x"' });
    }
  });

  it('an unknown level parses as restricted with an error', () => {
    expect(parseLevel('Baseline')).toEqual({ value: 'restricted', error: 'must be one of privileged, baseline, restricted' });
  });

  it('no labels: the defaults; enforce stricter than the default warn drags warn along', () => {
    const lv = (level: 'privileged' | 'baseline' | 'restricted', version = 'latest') => ({ level, version: parseVersion(version).value });
    const defaults: ModePolicy = { enforce: lv('privileged'), audit: lv('privileged'), warn: lv('baseline', 'v1.2') };
    expect(policyToEvaluate(undefined, defaults).policy).toEqual(defaults);
    expect(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.5' }, defaults).policy.warn).toEqual(lv('restricted', 'v1.5'));
    // not when enforce is less strict, and not when enforce is invalid
    expect(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'privileged' }, defaults).policy.warn).toEqual(lv('baseline', 'v1.2'));
    expect(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'x' }, defaults).policy.warn).toEqual(lv('baseline', 'v1.2'));
  });
});
