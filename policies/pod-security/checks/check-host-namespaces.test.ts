import { describe, expect, it } from 'vitest';
import { verdict } from '../../../test/pod-security/check-helpers.js';
import { checkHostNamespaces } from './check-host-namespaces.js';

describe('hostNamespaces', () => {
  it('allows unset and false', () => {
    expect(verdict(checkHostNamespaces, 0, { hostNetwork: false, hostPID: null })).toBe('allowed');
  });
  it('lists every shared namespace in network, PID, IPC order', () => {
    expect(verdict(checkHostNamespaces, 0, { hostIPC: true, hostPID: true, hostNetwork: true })).toEqual({
      reason: 'host namespaces',
      detail: 'hostNetwork=true, hostPID=true, hostIPC=true',
    });
  });
});
