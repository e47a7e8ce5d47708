import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkCapabilitiesBaseline } from './check-capabilities-baseline.js';
import { checkCapabilitiesRestricted } from './check-capabilities-restricted.js';

describe('capabilities_baseline', () => {
  it('allows the default set', () => {
    expect(verdict(checkCapabilitiesBaseline, 0, { containers: containers(['a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SYS_CHROOT'] } }]) })).toBe('allowed');
  });
  it('names containers and the sorted non-default capabilities', () => {
    const spec = { containers: containers(['a', { capabilities: { add: ['FOO', 'CHOWN', 'BAR'] } }], ['b', { capabilities: { add: ['BAZ', 'FOO'] } }], ['c', { capabilities: { add: ['KILL'] } }]) };
    expect(verdict(checkCapabilitiesBaseline, 0, spec)).toEqual({
      reason: 'non-default capabilities',
      detail: 'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
    });
  });
});

describe('capabilities_restricted', () => {
  it('does not exist before v1.22', () => {
    expect(verdict(checkCapabilitiesRestricted, 21, { containers: containers(['a']) })).toBe('not in this version');
  });
  it('requires drop ALL and allows only NET_BIND_SERVICE to be added', () => {
    expect(verdict(checkCapabilitiesRestricted, 22, { containers: containers(['a', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }]) })).toBe('allowed');
    const spec = {
      containers: containers(
        ['a', { capabilities: { add: ['FOO', 'BAR'] } }],
        ['b', { capabilities: { drop: ['NET_RAW'], add: ['BAZ'] } }],
        ['c', { capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE'] } }],
      ),
    };
    expect(verdict(checkCapabilitiesRestricted, 22, spec)).toEqual({
      reason: 'unrestricted capabilities',
      detail: 'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add',
    });
  });
  it('exempts os windows pods from v1.25', () => {
    const spec = { os: { name: 'windows' }, containers: containers(['a']) };
    expect(verdict(checkCapabilitiesRestricted, 24, spec)).toEqual({ reason: 'unrestricted capabilities', detail: 'container "a" must set securityContext.capabilities.drop=["ALL"]' });
    expect(verdict(checkCapabilitiesRestricted, 25, spec)).toBe('allowed');
    expect(verdict(checkCapabilitiesRestricted, 25, { ...spec, os: { name: 'linux' } })).not.toBe('allowed');
  });
});
