import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkProcMountBaseline } from './check-proc-mount-baseline.js';
import { checkProcMountRestricted } from './check-proc-mount-restricted.js';

const spec = (hostUsers?: boolean) => ({
  ...(hostUsers === undefined ? {} : { hostUsers }),
  containers: containers(['a', { procMount: 'Default' }], ['d', { procMount: 'Unmasked' }], ['e', { procMount: 'other' }]),
});
const DENIED = { reason: 'procMount', detail: 'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"' };

describe('procMount (baseline)', () => {
  it('refuses anything but Default', () => {
    expect(verdict(checkProcMountBaseline, 0, spec())).toEqual(DENIED);
  });
  it('relaxes for hostUsers: false from v1.35 only', () => {
    expect(verdict(checkProcMountBaseline, 34, spec(false))).toEqual(DENIED);
    expect(verdict(checkProcMountBaseline, 35, spec(false))).toBe('allowed');
    expect(verdict(checkProcMountBaseline, 35, spec(true))).toEqual(DENIED);
  });
});

describe('procMount_restricted', () => {
  it('exists from v1.35, overrides the baseline check, and does not relax for user namespaces', () => {
    expect(verdict(checkProcMountRestricted, 34, spec(false))).toBe('not in this version');
    expect(verdict(checkProcMountRestricted, 35, spec(false))).toEqual(DENIED);
    expect(checkProcMountRestricted.versions[0]?.overrideCheckIds).toEqual(['procMount']);
  });
});
