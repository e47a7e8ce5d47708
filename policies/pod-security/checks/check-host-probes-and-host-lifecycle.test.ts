import { describe, expect, it } from 'vitest';
import { verdict } from '../../../test/pod-security/check-helpers.js';
import { checkHostProbesAndHostLifecycle } from './check-host-probes-and-host-lifecycle.js';

describe('hostProbesAndHostLifecycle', () => {
  it('exists from v1.34; empty hosts are fine', () => {
    const spec = { containers: [{ name: 'a', livenessProbe: { httpGet: { host: '' } }, lifecycle: { preStop: { tcpSocket: {} } } }] };
    expect(verdict(checkHostProbesAndHostLifecycle, 33, spec)).toBe('not in this version');
    expect(verdict(checkHostProbesAndHostLifecycle, 34, spec)).toBe('allowed');
  });
  it('collects hosts from probes and handlers, containers and hosts sorted', () => {
    const spec = {
      containers: [
        { name: 'invalid2', readinessProbe: { tcpSocket: { host: 'b.com' } }, lifecycle: { postStart: { httpGet: { host: 'a.com' } } } },
        { name: 'invalid1', startupProbe: { httpGet: { host: 'a.com' } } },
      ],
    };
    expect(verdict(checkHostProbesAndHostLifecycle, 34, spec)).toEqual({
      reason: 'probe or lifecycle host',
      detail: 'containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com"',
    });
    expect(verdict(checkHostProbesAndHostLifecycle, 34, { initContainers: [{ name: 'init', livenessProbe: { httpGet: { host: '::1' } } }] })).toEqual({
      reason: 'probe or lifecycle host',
      detail: 'container "init" uses probe or lifecycle host "::1"',
    });
  });
});
