/**
 * A stand-in for a kube-apiserver, which cannot run on these machines: an HTTPS server on
 * 127.0.0.1 that serves discovery, paged list paths (`limit` + `continue`) for pods, deployments,
 * configmaps and namespaces, and accepts PolicyReport / ClusterPolicyReport writes (POST, GET, PUT
 * with resourceVersion conflicts) the way the real API does. It records every request.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../src/admission/types.js';
import { generateCertificates } from '../../src/server/certs.js';

export const TOKEN = 'test-token';

export interface FakeApiServer {
  url: string;
  kubeconfig: string;
  /** every request as `METHOD path?query` */
  requests: string[];
  /** stored reports by `namespace/name` (`/name` for cluster reports) */
  reports: Map<string, KubeObject>;
  /** answer PolicyReport writes with 404, as a cluster without the CRD does */
  withoutReportCrd: boolean;
  close(): Promise<void>;
}

type Store = { pods: KubeObject[]; deployments: KubeObject[]; configmaps: KubeObject[]; namespaces: KubeObject[] };

const RESOURCES = {
  '': [
    { name: 'pods', kind: 'Pod', namespaced: true, verbs: ['create', 'get', 'list', 'watch'] },
    { name: 'pods/status', kind: 'Pod', namespaced: true, verbs: ['get', 'patch'] },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['create', 'get', 'list'] },
    { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['create', 'get', 'list'] },
    { name: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create'] },
  ],
  apps: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['create', 'get', 'list'] }],
  'wgpolicyk8s.io': [
    { name: 'policyreports', kind: 'PolicyReport', namespaced: true, verbs: ['create', 'get', 'list', 'update'] },
    { name: 'clusterpolicyreports', kind: 'ClusterPolicyReport', namespaced: false, verbs: ['create', 'get', 'list', 'update'] },
  ],
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

async function body(req: IncomingMessage): Promise<KubeObject> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject;
}

/** A list page: items without apiVersion/kind, as the apiserver sends typed lists. */
function page(items: KubeObject[], query: URLSearchParams): unknown {
  const limit = Number(query.get('limit') ?? items.length) || items.length;
  const start = query.get('continue') ? Number(Buffer.from(query.get('continue') as string, 'base64url').toString()) : 0;
  const slice = items.slice(start, start + limit).map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
  return { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1000', ...(next ? { continue: next } : {}) }, items: slice };
}

export async function startFakeApiServer(store: Store): Promise<FakeApiServer> {
  const certs = await generateCertificates();
  const requests: string[] = [];
  const reports = new Map<string, KubeObject>();
  let version = 1;
  const state = { withoutReportCrd: false };

  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      const parts = url.pathname.split('/').filter(Boolean);
      const q = url.searchParams;

      if (req.method === 'GET' && url.pathname === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      if (req.method === 'GET' && url.pathname === '/apis') {
        return send(res, 200, {
          kind: 'APIGroupList',
          groups: Object.keys(RESOURCES).filter(Boolean).map((name) => {
            const v = name === 'wgpolicyk8s.io' ? 'v1alpha2' : 'v1';
            return { name, versions: [{ groupVersion: `${name}/${v}`, version: v }], preferredVersion: { groupVersion: `${name}/${v}`, version: v } };
          }),
        });
      }
      if (req.method === 'GET' && url.pathname === '/api/v1') return send(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: RESOURCES[''] });
      if (req.method === 'GET' && url.pathname === '/apis/apps/v1') return send(res, 200, { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: RESOURCES.apps });
      if (req.method === 'GET' && url.pathname === '/apis/wgpolicyk8s.io/v1alpha2') {
        return send(res, 200, { kind: 'APIResourceList', groupVersion: 'wgpolicyk8s.io/v1alpha2', resources: RESOURCES['wgpolicyk8s.io'] });
      }

      // lists: /api/v1/{res}, /api/v1/namespaces/{ns}/{res}, /apis/apps/v1/..., same shapes
      const listMatch = url.pathname.match(/^\/(?:api\/v1|apis\/apps\/v1)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/);
      if (req.method === 'GET' && listMatch && (listMatch[2] ?? '') in store) {
        const [, namespace, resource] = listMatch;
        const all = store[resource as keyof Store];
        const items = namespace ? all.filter((o) => o.metadata?.namespace === namespace) : all;
        return send(res, 200, page(items, q));
      }

      // PolicyReports
      if (url.pathname.startsWith('/apis/wgpolicyk8s.io/v1alpha2/')) {
        if (state.withoutReportCrd) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
        const namespaced = parts[3] === 'namespaces';
        const namespace = namespaced ? (parts[4] as string) : '';
        const name = namespaced ? parts[6] : parts[4];
        if (req.method === 'POST' && !name) {
          const report = await body(req);
          const key = `${namespace}/${report.metadata?.name}`;
          if (reports.has(key)) return send(res, 409, status(409, 'AlreadyExists', `"${report.metadata?.name}" already exists`));
          report.metadata = { ...report.metadata, resourceVersion: String(version++) };
          reports.set(key, report);
          return send(res, 201, report);
        }
        const key = `${namespace}/${name}`;
        const existing = reports.get(key);
        if (!existing) return send(res, 404, status(404, 'NotFound', `"${name}" not found`));
        if (req.method === 'GET') return send(res, 200, existing);
        if (req.method === 'PUT') {
          const report = await body(req);
          if (report.metadata?.resourceVersion !== existing.metadata?.resourceVersion) {
            return send(res, 409, status(409, 'Conflict', 'the object has been modified'));
          }
          report.metadata = { ...report.metadata, resourceVersion: String(version++) };
          reports.set(key, report);
          return send(res, 200, report);
        }
      }
      return send(res, 404, status(404, 'NotFound', `no route for ${req.method} ${url.pathname}`));
    })().catch((error: unknown) => send(res, 500, status(500, 'InternalError', String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `https://127.0.0.1:${address.port}`;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-kubeconfig-'));
  const kubeconfig = path.join(dir, 'config');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${Buffer.from(certs.caPem).toString('base64')}`,
      'users:',
      `- name: auditor\n  user:\n    token: ${TOKEN}`,
      'contexts:',
      '- name: fake\n  context: {cluster: fake, user: auditor}',
      'current-context: fake',
      '',
    ].join('\n'),
  );

  return {
    url,
    kubeconfig,
    requests,
    reports,
    get withoutReportCrd() {
      return state.withoutReportCrd;
    },
    set withoutReportCrd(value: boolean) {
      state.withoutReportCrd = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
