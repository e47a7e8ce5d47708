/**
 * A stand-in for a kube-apiserver (which cannot run here): HTTPS on 127.0.0.1 with a generated CA,
 * bearer-token auth, and just enough of the namespaces API for an informer:
 * GET /api/v1/namespaces (list, with a resourceVersion) and GET /api/v1/namespaces?watch=true
 * (a stream of JSON watch events, one per line, kept open until the test pushes more or stops).
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
  close(): Promise<void>;
}

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, creationTimestamp: '2026-01-02T03:04:05Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

export async function startFakeApiserver(initial: KubeObject[]): Promise<FakeApiserver> {
  const { caPem, certPem, keyPem } = await generateCertificates();
  let resourceVersion = 100;
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
    async close() {
      for (const res of state.watchers) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 401 }));
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
