/**
 * A minimal JSON client for the Kubernetes API, authenticated by @kubernetes/client-node's
 * KubeConfig (certificates, tokens, exec plugins, in-cluster service account). The typed clients
 * turn objects into model classes (dates become Date objects); an audit must hand policies the JSON
 * the apiserver would send the webhook, so this client keeps the raw JSON.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterAuditError } from './errors.js';

export class KubeClient {
  private readonly server: URL;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new ClusterAuditError('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const options: RequestOptions = { method, headers: { accept: 'application/json' } };
    await this.kubeConfig.applyToHTTPSOptions(options);
    // A server URL may carry a path prefix (API proxies); keep it.
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { ...(options.headers as Record<string, string>), accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { ...options, headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new ClusterAuditError(`${method} ${path}: HTTP ${status}${statusMessage(text)}`, status));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new ClusterAuditError(`${method} ${path}: the answer is not JSON`, status));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
      req.on('error', (error) => reject(new ClusterAuditError(`${method} ${url.origin}${path}: ${error.message}`)));
      req.end(payload);
    });
  }
}

/** The message of a Kubernetes Status answer, when there is one. */
function statusMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { kind?: string; message?: string };
    return parsed.kind === 'Status' && parsed.message ? `: ${parsed.message}` : '';
  } catch {
    return '';
  }
}
