import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkAllowPrivilegeEscalation } from './check-allow-privilege-escalation.js';
import { checkRunAsNonRoot } from './check-run-as-non-root.js';
import { checkRunAsUser } from './check-run-as-user.js';

describe('runAsNonRoot', () => {
  it('pod level true covers containers that leave it unset', () => {
    expect(verdict(checkRunAsNonRoot, 0, { securityContext: { runAsNonRoot: true }, containers: containers(['a'], ['b', { runAsNonRoot: true }]) })).toBe('allowed');
  });
  it('explicit false (pod or container) is reported before missing values', () => {
    expect(verdict(checkRunAsNonRoot, 0, { securityContext: { runAsNonRoot: false }, containers: containers(['a'], ['c', { runAsNonRoot: false }]) })).toEqual({
      reason: 'runAsNonRoot != true',
      detail: 'pod and container "c" must not set securityContext.runAsNonRoot=false',
    });
    expect(verdict(checkRunAsNonRoot, 0, { containers: containers(['a'], ['b', {}], ['c', { runAsNonRoot: true }]) })).toEqual({
      reason: 'runAsNonRoot != true',
      detail: 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true',
    });
  });
  it('not required for hostUsers: false from v1.35', () => {
    expect(verdict(checkRunAsNonRoot, 34, { hostUsers: false, containers: containers(['a']) })).not.toBe('allowed');
    expect(verdict(checkRunAsNonRoot, 35, { hostUsers: false, containers: containers(['a']) })).toBe('allowed');
  });
});

describe('runAsUser', () => {
  it('exists from v1.23 and refuses 0 only', () => {
    const spec = { securityContext: { runAsUser: 0 }, containers: containers(['a', { runAsUser: 1000 }], ['c', { runAsUser: 0 }], ['d', { runAsUser: 0 }]) };
    expect(verdict(checkRunAsUser, 22, spec)).toBe('not in this version');
    expect(verdict(checkRunAsUser, 23, spec)).toEqual({ reason: 'runAsUser=0', detail: 'pod and containers "c", "d" must not set runAsUser=0' });
  });
  it('any value for hostUsers: false from v1.35', () => {
    const spec = { hostUsers: false, securityContext: { runAsUser: 0 }, containers: containers(['a']) };
    expect(verdict(checkRunAsUser, 34, spec)).toEqual({ reason: 'runAsUser=0', detail: 'pod must not set runAsUser=0' });
    expect(verdict(checkRunAsUser, 35, spec)).toBe('allowed');
  });
});

describe('allowPrivilegeEscalation', () => {
  it('exists from v1.8 and requires an explicit false on every container', () => {
    const spec = { containers: containers(['a'], ['b', { allowPrivilegeEscalation: true }], ['c', { allowPrivilegeEscalation: false }]), ephemeralContainers: containers(['e', {}]) };
    expect(verdict(checkAllowPrivilegeEscalation, 7, spec)).toBe('not in this version');
    expect(verdict(checkAllowPrivilegeEscalation, 8, spec)).toEqual({
      reason: 'allowPrivilegeEscalation != false',
      detail: 'containers "a", "b", "e" must set securityContext.allowPrivilegeEscalation=false',
    });
  });
  it('exempts os windows pods from v1.25', () => {
    expect(verdict(checkAllowPrivilegeEscalation, 25, { os: { name: 'windows' }, containers: containers(['a']) })).toBe('allowed');
  });
});
