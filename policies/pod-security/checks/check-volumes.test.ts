import { describe, expect, it } from 'vitest';
import { verdict } from '../../../test/pod-security/check-helpers.js';
import { checkHostPathVolumes } from './check-host-path-volumes.js';
import { checkRestrictedVolumes } from './check-restricted-volumes.js';

describe('hostPathVolumes', () => {
  it('names hostPath volumes', () => {
    const spec = { volumes: [{ name: 'a', hostPath: { path: '/' } }, { name: 'x', emptyDir: {} }, { name: 'b', hostPath: { path: '/var' } }] };
    expect(verdict(checkHostPathVolumes, 0, spec)).toEqual({ reason: 'hostPath volumes', detail: 'volumes "a", "b"' });
    expect(verdict(checkHostPathVolumes, 0, { volumes: [{ name: 'x', nfs: {} }] })).toBe('allowed');
  });
});

describe('restrictedVolumes', () => {
  it('allows the nine inline sources, and a volume with no source (the apiserver makes it emptyDir)', () => {
    const volumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'].map((source, i) => ({ name: `v${i}`, [source]: {} }));
    expect(verdict(checkRestrictedVolumes, 0, { volumes: [...volumes, { name: 'bare' }] })).toBe('allowed');
  });
  it('names each bad volume and the sorted distinct types, "unknown" for a source it does not know', () => {
    const spec = { volumes: [{ name: 'a', hostPath: {} }, { name: 'b', nfs: {} }, { name: 'c', hostPath: {} }, { name: 'd', someFutureSource: {} }] };
    expect(verdict(checkRestrictedVolumes, 0, spec)).toEqual({
      reason: 'restricted volume types',
      detail: 'volumes "a", "b", "c", "d" use restricted volume types "hostPath", "nfs", "unknown"',
    });
    expect(verdict(checkRestrictedVolumes, 0, { volumes: [{ name: 'g', gitRepo: { repository: 'r' } }] })).toEqual({
      reason: 'restricted volume types',
      detail: 'volume "g" uses restricted volume type "gitRepo"',
    });
  });
});
