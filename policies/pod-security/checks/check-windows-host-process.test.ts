import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkWindowsHostProcess } from './check-windows-host-process.js';

describe('windowsHostProcess', () => {
  it('allows false and unset', () => {
    expect(verdict(checkWindowsHostProcess, 0, { securityContext: { windowsOptions: { hostProcess: false } }, containers: containers(['a', { windowsOptions: {} }]) })).toBe('allowed');
  });
  it('names the pod and the containers', () => {
    const spec = { securityContext: { windowsOptions: { hostProcess: true } }, containers: containers(['a', { windowsOptions: { hostProcess: true } }], ['b']) };
    expect(verdict(checkWindowsHostProcess, 0, spec)).toEqual({
      reason: 'hostProcess',
      detail: 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true',
    });
  });
});
