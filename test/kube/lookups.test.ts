import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLookups, type PortcullisLookups } from '../../src/kube/lookups.js';
import { isInCluster, KubeConfigError, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { namespace, startFakeApiserver, type FakeApiserver } from './fake-apiserver.js';

/** Waits (without a time assertion: the test timeout is the bound) until check() holds. */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('createLookups without a cluster', () => {
  it('serves static namespaces and indexed params', () => {
    const lookups = createLookups({
      namespaces: [namespace('team-a', { tier: 'gold' })],
      params: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'team-a' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y', namespace: 'team-b' } },
        { apiVersion: 'example.com/v1', kind: 'Settings', metadata: { name: 'global' } },
      ],
    });
    expect(lookups.connected).toBe(false);
    expect(lookups.namespace('team-a')?.metadata?.labels).toEqual({ tier: 'gold' });
    expect(lookups.namespace('unknown')).toBeUndefined();
    expect(lookups.params('v1', 'ConfigMap').map((o) => o.metadata?.name)).toEqual(['x', 'y']);
    expect(lookups.params('v1', 'ConfigMap', 'team-b').map((o) => o.metadata?.name)).toEqual(['y']);
    expect(lookups.params('v1', 'Secret')).toEqual([]);
    expect(lookups.params('example.com/v1', 'Settings', '').map((o) => o.metadata?.name)).toEqual(['global']);

    lookups.update({ namespaces: [namespace('team-c')], params: [] });
    expect(lookups.namespace('team-a')).toBeUndefined();
    expect(lookups.namespace('team-c')?.metadata?.name).toBe('team-c');
    expect(lookups.params('v1', 'ConfigMap')).toEqual([]);
  });
});

// The fake apiserver stands in for a kube-apiserver, which cannot run here: the informer talks to
// it over real HTTPS with the kubeconfig's CA and bearer token.
describe('createLookups with a cluster (namespace informer)', () => {
  let server: FakeApiserver | undefined;
  let lookups: PortcullisLookups | undefined;
  afterEach(async () => {
    await lookups?.close();
    await server?.close();
    lookups = undefined;
    server = undefined;
  });

  it('lists, then follows watch events for adds, updates and deletes', async () => {
    server = await startFakeApiserver([namespace('team-a', { tier: 'gold' }), namespace('team-b')]);
    const kubeConfig = loadKubeConfig(server.kubeconfigPath);
    expect(kubeConfig?.getCurrentCluster()?.server).toBe(server.url);
    lookups = createLookups({ kubeConfig, namespaces: [namespace('static-only')] });
    expect(lookups.connected).toBe(true);
    expect(await lookups.ready(20_000)).toBe(true);

    // plain JSON as the apiserver sends it (not client-node model classes)
    expect(lookups.namespace('team-a')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { tier: 'gold' }, creationTimestamp: '2026-01-02T03:04:05Z' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    expect(Object.isFrozen(lookups.namespace('team-a')?.metadata?.labels)).toBe(true);
    // connected: the cluster is the truth, static namespaces are not consulted
    expect(lookups.namespace('static-only')).toBeUndefined();

    await eventually(() => server!.watchers.size === 1);
    server.emit('MODIFIED', namespace('team-a', { tier: 'silver' }));
    server.emit('ADDED', namespace('team-c', { new: 'yes' }));
    server.emit('DELETED', namespace('team-b'));
    await eventually(() => lookups!.namespace('team-b') === undefined);
    expect(lookups.namespace('team-a')?.metadata?.labels).toEqual({ tier: 'silver' });
    expect(lookups.namespace('team-c')?.metadata?.labels).toEqual({ new: 'yes' });

    await lookups.close();
    await eventually(() => server!.watchers.size === 0);
  });

  it('retries after a failed list and reports the error without object contents', async () => {
    server = await startFakeApiserver([namespace('team-a')]);
    server.failLists = 1;
    const errors: string[] = [];
    lookups = createLookups({ kubeConfig: loadKubeConfig(server.kubeconfigPath), informer: { retryMs: 20, onError: (m) => errors.push(m) } });
    expect(await lookups.ready(20_000)).toBe(true);
    expect(server.lists).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^namespace informer: .*500.*; retrying in 20ms$/s);
    expect(lookups.namespace('team-a')?.metadata?.name).toBe('team-a');
  });
});

describe('createLookups with an unreachable cluster', () => {
  it('reports not ready, tells onError, and answers lookups with undefined', async () => {
    const server = await startFakeApiserver([]);
    const kubeconfigPath = server.kubeconfigPath;
    await server.close(); // nothing listens on its port any more
    const errors: string[] = [];
    const lookups = createLookups({ kubeConfig: loadKubeConfig(kubeconfigPath), informer: { retryMs: 10_000, onError: (m) => errors.push(m) } });
    try {
      await eventually(() => errors.length > 0);
      expect(await lookups.ready(50)).toBe(false);
      expect(errors[0]).toMatch(/^namespace informer: .*; retrying in 10000ms$/s);
      expect(lookups.namespace('default')).toBeUndefined();
    } finally {
      await lookups.close();
    }
  });
});

describe('loadKubeConfig', () => {
  it('names a missing file', () => {
    expect(() => loadKubeConfig('/nonexistent/kubeconfig')).toThrow(new KubeConfigError('kubeconfig file not found', '/nonexistent/kubeconfig'));
    expect(() => loadKubeConfig('/nonexistent/kubeconfig')).toThrow('/nonexistent/kubeconfig: kubeconfig file not found');
  });

  it('rejects a kubeconfig without a current cluster', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-kc-'));
    const file = path.join(dir, 'config');
    await writeFile(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    expect(() => loadKubeConfig(file)).toThrow(`${file}: kubeconfig has no current context with a cluster`);
  });

  it('detects in-cluster config from the service host and the token file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-sa-'));
    const token = path.join(dir, 'token');
    expect(isInCluster({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, token)).toBe(false);
    await writeFile(token, 'x');
    expect(isInCluster({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, token)).toBe(true);
    expect(isInCluster({}, token)).toBe(false);
  });

  it('is undefined outside a cluster without a file (serve runs unconnected)', () => {
    expect(loadKubeConfig(undefined, { env: {}, tokenPath: '/nonexistent' })).toBeUndefined();
    expect(loadKubeConfig(undefined, { env: {}, tokenPath: '/nonexistent', useDefault: false })).toBeUndefined();
  });
});
