import { describe, expect, it } from 'vitest';
import { verdict } from '../../../test/pod-security/check-helpers.js';
import { checkSysctls } from './check-sysctls.js';

const spec = (...names: string[]) => ({ securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) } });

describe('sysctls', () => {
  it('lists forbidden sysctls in order, without sorting', () => {
    expect(verdict(checkSysctls, 0, spec('kernel.shm_rmid_forced', 'b', 'a'))).toEqual({ reason: 'forbidden sysctls', detail: 'b, a' });
  });
  it.each([
    ['net.ipv4.ip_local_reserved_ports', 27],
    ['net.ipv4.tcp_keepalive_time', 29],
    ['net.ipv4.tcp_keepalive_probes', 29],
    ['net.ipv4.tcp_rmem', 32],
    ['net.ipv4.tcp_wmem', 32],
    ['net.ipv4.tcp_slow_start_after_idle', 37],
    ['net.ipv4.tcp_notsent_lowat', 37],
  ])('%s is allowed from v1.%i', (name, since) => {
    expect(verdict(checkSysctls, since - 1, spec(name))).toEqual({ reason: 'forbidden sysctls', detail: name });
    expect(verdict(checkSysctls, since, spec(name))).toBe('allowed');
  });
});
