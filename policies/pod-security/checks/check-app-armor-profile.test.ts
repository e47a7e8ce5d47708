import { describe, expect, it } from 'vitest';
import { containers, verdict } from '../../../test/pod-security/check-helpers.js';
import { checkAppArmorProfile } from './check-app-armor-profile.js';

describe('appArmorProfile', () => {
  it('allows RuntimeDefault / Localhost fields and runtime/default, localhost/* or empty annotations', () => {
    const spec = { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: containers(['a', { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } }]) };
    const annotations = {
      'container.apparmor.security.beta.kubernetes.io/a': 'localhost/p',
      'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
      'container.apparmor.security.beta.kubernetes.io/c': '',
      'other.example.com/x': 'unconfined',
    };
    expect(verdict(checkAppArmorProfile, 0, spec, { annotations })).toBe('allowed');
  });
  it('unconfined pod', () => {
    expect(verdict(checkAppArmorProfile, 0, { securityContext: { appArmorProfile: { type: 'Unconfined' } } })).toEqual({
      reason: 'forbidden AppArmor profile',
      detail: 'pod must not set AppArmor profile type to "Unconfined"',
    });
  });
  it('pod, containers and annotations together: values then sorted annotations', () => {
    const spec = { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: containers(['foo', { appArmorProfile: { type: 'Unconfined' } }]) };
    const annotations = {
      'container.apparmor.security.beta.kubernetes.io/z': 'unconfined',
      'container.apparmor.security.beta.kubernetes.io/a': 'bad',
    };
    expect(verdict(checkAppArmorProfile, 0, spec, { annotations })).toEqual({
      reason: 'forbidden AppArmor profiles',
      detail:
        'pod and container "foo" and annotations must not set AppArmor profile type to "Unconfined", ' +
        '"container.apparmor.security.beta.kubernetes.io/a="bad"", "container.apparmor.security.beta.kubernetes.io/z="unconfined""',
    });
  });
});
