import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkSeccompProfileBaseline } from './check-seccomp-profile-baseline.js';
import { checkSeccompProfileRestricted } from './check-seccomp-profile-restricted.js';

describe('seccompProfile_baseline', () => {
  it('v1.0-v1.18 reads the alpha annotations, sorted in the message', () => {
    const annotations = {
      'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
      'container.seccomp.security.alpha.kubernetes.io/a': 'unconfined',
      'container.seccomp.security.alpha.kubernetes.io/b': 'unknown',
      'container.seccomp.security.alpha.kubernetes.io/c': 'docker/default',
      'container.seccomp.security.alpha.kubernetes.io/nope': 'unconfined', // not a container of this pod
    };
    expect(verdict(checkSeccompProfileBaseline, 18, { containers: containers(['a'], ['b'], ['c']) }, { annotations })).toEqual({
      reason: 'seccompProfile',
      detail:
        'forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", ' +
        'container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    });
    expect(verdict(checkSeccompProfileBaseline, 19, { containers: containers(['a']) }, { annotations })).toBe('allowed');
  });
  it('v1.19+ reads seccompProfile.type', () => {
    const spec = { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: containers(['c', { seccompProfile: { type: 'Unconfined' } }], ['d', { seccompProfile: { type: 'Unconfined' } }], ['e']) };
    expect(verdict(checkSeccompProfileBaseline, 19, spec)).toEqual({
      reason: 'seccompProfile',
      detail: 'pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
    });
  });
});

describe('seccompProfile_restricted', () => {
  it('requires an explicit profile on the pod or on every container', () => {
    expect(verdict(checkSeccompProfileRestricted, 19, { containers: containers(['a', { seccompProfile: { type: 'RuntimeDefault' } }], ['b', {}], ['c']) })).toEqual({
      reason: 'seccompProfile',
      detail: 'pod or containers "b", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    });
    expect(verdict(checkSeccompProfileRestricted, 19, { securityContext: { seccompProfile: { type: 'Localhost' } }, containers: containers(['a']) })).toBe('allowed');
  });
  it('explicitly bad values win over missing ones', () => {
    const spec = { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: containers(['a']) };
    expect(verdict(checkSeccompProfileRestricted, 19, spec)).toEqual({
      reason: 'seccompProfile',
      detail: 'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    });
  });
  it('exempts os windows pods from v1.25', () => {
    expect(verdict(checkSeccompProfileRestricted, 24, { os: { name: 'windows' }, containers: containers(['a']) })).not.toBe('allowed');
    expect(verdict(checkSeccompProfileRestricted, 25, { os: { name: 'windows' }, containers: containers(['a']) })).toBe('allowed');
  });
});
