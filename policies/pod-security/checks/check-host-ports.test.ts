import { describe, expect, it } from 'vitest';
import { verdict } from '../../../test/pod-security/check-helpers.js';
import { checkHostPorts } from './check-host-ports.js';

describe('hostPorts', () => {
  it('allows container ports without hostPort, and hostPort 0', () => {
    expect(verdict(checkHostPorts, 0, { containers: [{ name: 'a', ports: [{ hostPort: 0 }, {}] }] })).toBe('allowed');
  });
  it('one container, one host port', () => {
    expect(verdict(checkHostPorts, 0, { containers: [{ name: 'a', ports: [{}] }, { name: 'b', ports: [{ hostPort: 20 }] }] })).toEqual({
      reason: 'hostPort',
      detail: 'container "b" uses hostPort 20',
    });
  });
  it('several containers and ports: ports deduplicated and sorted as strings', () => {
    const spec = { containers: [{ name: 'b', ports: [{ hostPort: 20 }, { hostPort: 100 }] }, { name: 'c', ports: [{ hostPort: 20 }, { hostPort: 9 }] }] };
    expect(verdict(checkHostPorts, 0, spec)).toEqual({ reason: 'hostPort', detail: 'containers "b", "c" use hostPorts 100, 20, 9' });
  });
});
