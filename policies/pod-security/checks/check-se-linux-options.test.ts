import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkSeLinuxOptions } from './check-se-linux-options.js';

describe('seLinuxOptions', () => {
  it('allows the container types and a level', () => {
    const spec = { securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' } }, containers: containers(['a', { seLinuxOptions: { type: 'container_kvm_t' } }]) };
    expect(verdict(checkSeLinuxOptions, 0, spec)).toBe('allowed');
  });
  it('container_engine_t is allowed from v1.31', () => {
    const spec = { securityContext: { seLinuxOptions: { type: 'container_engine_t' } } };
    expect(verdict(checkSeLinuxOptions, 30, spec)).toEqual({ reason: 'seLinuxOptions', detail: 'pod set forbidden securityContext.seLinuxOptions: type "container_engine_t"' });
    expect(verdict(checkSeLinuxOptions, 31, spec)).toBe('allowed');
  });
  it('pod and containers with bad types, user and role', () => {
    const spec = {
      securityContext: { seLinuxOptions: { type: 'foo', user: 'u', role: 'r' } },
      containers: containers(['e', { seLinuxOptions: { type: 'bar' } }], ['f', { seLinuxOptions: { user: 'u' } }], ['g', { seLinuxOptions: { role: 'r' } }]),
    };
    expect(verdict(checkSeLinuxOptions, 37, spec)).toEqual({
      reason: 'seLinuxOptions',
      detail: 'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
    });
  });
});
