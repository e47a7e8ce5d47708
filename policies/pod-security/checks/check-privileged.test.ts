import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkPrivileged } from './check-privileged.js';

describe('privileged', () => {
  it('allows unset and false', () => {
    expect(verdict(checkPrivileged, 0, { containers: containers(['a'], ['b', {}], ['c', { privileged: false }], ['d', { privileged: null }]) })).toBe('allowed');
  });
  it('names every privileged container', () => {
    expect(verdict(checkPrivileged, 37, { containers: containers(['a'], ['d', { privileged: true }]), initContainers: containers(['e', { privileged: true }]) })).toEqual({
      reason: 'privileged',
      detail: 'containers "e", "d" must not set securityContext.privileged=true',
    });
  });
});
