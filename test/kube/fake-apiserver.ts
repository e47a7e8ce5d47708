/**
 * A stand-in for a kube-apiserver (which cannot run here): HTTPS on 127.0.0.1 with a generated CA,
 * bearer-token auth, and just enough of the namespaces API for an informer:
 * GET /api/v1/namespaces (list, with a resourceVersion) and GET /api/v1/namespaces?watch=true
 * (a stream of JSON watch events, one per line, kept open until the test pushes more or stops).
 * defineResource adds more kinds the same way, with discovery: GET /api/v1 and
 * /apis/<group>/<version> answer an APIResourceList (404 for a group version nothing defines), and
 * the all-namespaces collection path lists and watches that kind.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../src/admission/types.js';
import { generateCertificates } from '../../src/server/certs.js';

export const TOKEN = 'test-token';

export interface FakeApiserver {
  url: string;
  kubeconfigPath: string;
  namespaces: Map<string, KubeObject>;
  /** number of list requests served (including failed ones) */
  lists: number;
  /** answer the next N list requests with HTTP 500 */
  failLists: number;
  /** open watch streams */
  watchers: Set<ServerResponse>;
  /** send a watch event to every open stream (and update the list state) */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  /** serve another kind (discovery, list, watch) */
  defineResource(resource: FakeResourceSpec, objects?: KubeObject[]): FakeResource;
  /** discovery requests served, by path */
  discoveries: string[];
  /** answer the next N discovery requests with HTTP 500 */
  failDiscoveries: number;
  /** resource paths whose list and watch answer 403, as for a service account without RBAC */
  forbidden: Set<string>;
  close(): Promise<void>;
}

export interface FakeResourceSpec {
  /** v1 or group/version */
  groupVersion: string;
  kind: string;
  /** plural name, e.g. configmaps */
  name: string;
  namespaced: boolean;
}

export interface FakeResource extends FakeResourceSpec {
  /** objects by namespace/name */
  objects: Map<string, KubeObject>;
  /** open watch streams of this kind */
  watchers: Set<ServerResponse>;
  /** list requests served */
  lists: number;
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
}

const objectKey = (object: KubeObject): string => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, creationTimestamp: '2026-01-02T03:04:05Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

export async function startFakeApiserver(initial: KubeObject[]): Promise<FakeApiserver> {
  const { caPem, certPem, keyPem } = await generateCertificates();
  let resourceVersion = 100;
  // a client may still be opening a watch while the test closes: refuse it so close() can finish
  let closing = false;
  const resources = new Map<string, FakeResource>(); // by collection path
  const collectionPath = (r: FakeResourceSpec): string => `${r.groupVersion.includes('/') ? '/apis' : '/api'}/${r.groupVersion}/${r.name}`;
  const state: FakeApiserver = {
    url: '',
    kubeconfigPath: '',
    namespaces: new Map(initial.map((ns) => [ns.metadata?.name as string, ns])),
    lists: 0,
    failLists: 0,
    watchers: new Set(),
    emit(type, object) {
      resourceVersion += 1;
      const versioned = { ...object, metadata: { ...object.metadata, resourceVersion: String(resourceVersion) } };
      if (type === 'DELETED') state.namespaces.delete(object.metadata?.name as string);
      else state.namespaces.set(object.metadata?.name as string, versioned);
      for (const res of state.watchers) res.write(`${JSON.stringify({ type, object: versioned })}\n`);
    },
    discoveries: [],
    failDiscoveries: 0,
    forbidden: new Set<string>(),
    defineResource(spec, objects = []) {
      const resource: FakeResource = {
        ...spec,
        objects: new Map(objects.map((o) => [objectKey(o), o])),
        watchers: new Set(),
        lists: 0,
        emit(type, object) {
          resourceVersion += 1;
          const versioned = { ...object, metadata: { ...object.metadata, resourceVersion: String(resourceVersion) } };
          if (type === 'DELETED') resource.objects.delete(objectKey(object));
          else resource.objects.set(objectKey(object), versioned);
          for (const res of resource.watchers) res.write(`${JSON.stringify({ type, object: versioned })}\n`);
        },
      };
      resources.set(collectionPath(spec), resource);
      return resource;
    },
    async close() {
      closing = true;
      for (const res of state.watchers) res.end();
      for (const resource of resources.values()) for (const res of resource.watchers) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };

  const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (closing) {
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 401 }));
      return;
    }
    const discovery = /^\/(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && discovery) {
      state.discoveries.push(url.pathname);
      if (state.failDiscoveries > 0) {
        state.failDiscoveries -= 1;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500 }));
        return;
      }
      const groupVersion = url.pathname === '/api/v1' ? 'v1' : url.pathname.slice('/apis/'.length);
      const served = [...resources.values()].filter((r) => r.groupVersion === groupVersion);
      if (groupVersion !== 'v1' && served.length === 0) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
        return;
      }
      const list = served.flatMap((r) => [
        { name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list', 'watch'] },
        // subresources share the kind: discovery must skip them
        { name: `${r.name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get'] },
      ]);
      if (groupVersion === 'v1') list.unshift({ name: 'namespaces', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['get', 'list', 'watch'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: list }));
      return;
    }
    const resource = req.method === 'GET' ? resources.get(url.pathname) : undefined;
    if (resource && state.forbidden.has(url.pathname)) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden' }));
      return;
    }
    if (resource) {
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        resource.watchers.add(res);
        res.on('close', () => resource.watchers.delete(res));
        return;
      }
      resource.lists += 1;
      // like the apiserver for built-in kinds: list items carry no apiVersion/kind
      const items = [...resource.objects.values()].map((o) => {
        const { apiVersion: _apiVersion, kind: _kind, ...rest } = o;
        return resource.groupVersion === 'v1' ? rest : o;
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ kind: `${resource.kind}List`, apiVersion: resource.groupVersion, metadata: { resourceVersion: String(resourceVersion) }, items }),
      );
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/v1/namespaces') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      state.watchers.add(res);
      res.on('close', () => state.watchers.delete(res));
      return;
    }
    state.lists += 1;
    if (state.failLists > 0) {
      state.failLists -= 1;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd is sad' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items: [...state.namespaces.values()] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = `https://127.0.0.1:${port}`;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-kube-'));
  state.kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(
    state.kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake`,
      `  cluster: {server: "${state.url}", certificate-authority-data: ${Buffer.from(caPem).toString('base64')}}`,
      'users:',
      `- name: tester`,
      `  user: {token: ${TOKEN}}`,
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: tester}',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return state;
}
