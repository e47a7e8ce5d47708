/**
 * Test support: a real HTTPS webhook on 127.0.0.1 with freshly generated certificates, and a real
 * HTTPS client that trusts only the generated CA.
 */
import { mkdtemp } from 'node:fs/promises';
import { request as httpsRequest, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { Lookups, Policy, ServerMode } from '../../src/engine/types.js';
import type { KubeObject } from '../../src/admission/types.js';
import { buildServer, type WebhookServer } from '../../src/server/app.js';
import { ensureCertificates } from '../../src/server/certs.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';

export interface TestServer {
  url: string;
  ca: string;
  certsDir: string;
  app: WebhookServer;
  metrics: Metrics;
  setPolicies(policies: Policy[]): void;
  close(): Promise<void>;
}

export function staticLookups(namespaces: KubeObject[] = [], params: KubeObject[] = []): Lookups {
  const byName = new Map(namespaces.map((ns) => [ns.metadata?.name ?? '', ns]));
  return {
    namespace: (name) => byName.get(name),
    params: (apiVersion, kind, namespace) =>
      params.filter(
        (p) => p.apiVersion === apiVersion && p.kind === kind && (namespace === undefined || p.metadata?.namespace === namespace),
      ),
  };
}

export async function startTestServer(
  options: { policies?: Policy[]; mode?: ServerMode; lookups?: Lookups; maxBodyBytes?: number; certsDir?: string } = {},
): Promise<TestServer> {
  const certsDir = options.certsDir ?? (await mkdtemp(path.join(os.tmpdir(), 'portcullis-certs-')));
  const certs = await ensureCertificates(certsDir);
  let set = new PolicySet(options.policies ?? []);
  const metrics = createMetrics();
  const app = buildServer({
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    policies: () => set,
    lookups: options.lookups ?? staticLookups(),
    mode: options.mode ?? 'enforce',
    logger: pino({ level: 'silent' }),
    metrics,
    maxBodyBytes: options.maxBodyBytes,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no address');
  return {
    url: `https://127.0.0.1:${address.port}`,
    ca: certs.caPem,
    certsDir,
    app,
    metrics,
    setPolicies: (policies) => (set = new PolicySet(policies)),
    close: () => app.close(),
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** the peer certificate's fingerprint, to see which certificate served this connection */
  fingerprint: string;
  localPort: number;
  reusedSocket: boolean;
}

export async function send(
  url: string,
  options: { ca: string; method?: string; body?: string | Buffer; contentType?: string; agent?: Agent } = { ca: '' },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        ca: options.ca,
        agent: options.agent ?? false,
        headers: options.body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' },
      },
      (res) => {
        // read the socket now: a keep-alive agent takes it back before 'end'
        const socket = res.socket as TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256 ?? '';
        const localPort = socket.localPort ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            fingerprint,
            localPort,
            reusedSocket: req.reusedSocket,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export async function postReview(server: { url: string; ca: string }, endpoint: string, review: unknown, agent?: Agent) {
  const result = await send(`${server.url}${endpoint}`, { ca: server.ca, body: JSON.stringify(review), agent });
  return { ...result, json: JSON.parse(result.text) as Record<string, any> };
}
