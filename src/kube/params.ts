/**
 * Param objects from the cluster (paramKind targets of ValidatingAdmissionPolicy and
 * MutatingAdmissionPolicy), kept in memory so a review's params lookup is a Map read.
 *
 * For each paramKind: discovery (GET /api/v1 or /apis/<group>/<version>) gives the resource name
 * and scope, then list + watch through @kubernetes/client-node's informer keeps every object of that
 * kind (all namespaces) as plain frozen JSON. Errors restart the informer with a capped backoff while
 * the last known objects stay served. A kind the cluster does not serve (discovery 404 or no such
 * kind) is reported once and left to the policy folders.
 */
import http from 'node:http';
import https from 'node:https';
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../admission/types.js';
import { deepFreeze, stopInformer, SyncWaiters, toPlain } from './plain.js';

export interface ParamKindRef {
  apiVersion: string;
  kind: string;
}

export interface ParamInformerOptions {
  /** first restart delay after an error (default 1s, doubled up to 30s) */
  retryMs?: number;
  /** told about errors (the message only: logs never carry object contents) */
  onError?: (message: string) => void;
}

const POLICY_KINDS = new Set(['ValidatingAdmissionPolicy', 'MutatingAdmissionPolicy']);

/** The distinct spec.paramKind of the ValidatingAdmissionPolicy / MutatingAdmissionPolicy documents. */
export function paramKindsOf(documents: readonly KubeObject[]): ParamKindRef[] {
  const seen = new Map<string, ParamKindRef>();
  for (const doc of documents) {
    if (!POLICY_KINDS.has(doc.kind as string)) continue;
    const spec = (doc as { spec?: { paramKind?: { apiVersion?: unknown; kind?: unknown } } }).spec;
    const apiVersion = spec?.paramKind?.apiVersion;
    const kind = spec?.paramKind?.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) continue;
    const key = paramKindKey({ apiVersion, kind });
    if (!seen.has(key)) seen.set(key, { apiVersion, kind });
  }
  return [...seen.values()];
}

export function paramKindKey(ref: ParamKindRef): string {
  return `${ref.apiVersion}/${ref.kind}`;
}

export interface DiscoveredResource {
  /** plural resource name, e.g. configmaps */
  name: string;
  namespaced: boolean;
  /** collection path across all namespaces, e.g. /api/v1/configmaps */
  path: string;
}

/** Thrown when the cluster does not serve the kind: no retry helps. */
export class KindNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KindNotFoundError';
  }
}

class HttpError extends Error {
  constructor(readonly statusCode: number, path: string) {
    super(`GET ${path}: HTTP ${statusCode}`);
    this.name = 'HttpError';
  }
}

/** GET a JSON document from the cluster with the kubeconfig's TLS and credentials. */
export async function getJson(kubeConfig: KubeConfig, path: string, timeoutMs = 30_000): Promise<unknown> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          reject(new HttpError(status, path));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(new Error(`GET ${path}: invalid JSON (${(error as Error).message})`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path}: timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The API path of a group version: /api/v1 for the core group, else /apis/<group>/<version>. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Resource name and scope of a kind from the APIResourceList of its group version. */
export async function discoverResource(kubeConfig: KubeConfig, ref: ParamKindRef): Promise<DiscoveredResource> {
  const base = groupVersionPath(ref.apiVersion);
  let list: unknown;
  try {
    list = await getJson(kubeConfig, base);
  } catch (error) {
    if (error instanceof HttpError && error.statusCode === 404) {
      throw new KindNotFoundError(`${ref.apiVersion} is not served by the cluster (discovery 404)`);
    }
    throw error;
  }
  const resources = (list as { resources?: { name?: unknown; kind?: unknown; namespaced?: unknown }[] }).resources ?? [];
  const entry = resources.find((r) => r.kind === ref.kind && typeof r.name === 'string' && !r.name.includes('/'));
  if (!entry) throw new KindNotFoundError(`kind ${ref.kind} is not served in ${ref.apiVersion}`);
  const name = entry.name as string;
  return { name, namespaced: entry.namespaced === true, path: `${base}/${name}` };
}

type Listed = KubernetesObject & KubeObject;

/**
 * Every object of one paramKind, from the cluster. States: discovering -> watching (synced after
 * the first list), or `missing` when the kind is not served (then it serves nothing and counts as
 * settled for ready()).
 */
export class ParamInformer {
  private byKey = new Map<string, KubeObject>();
  private informer: ReturnType<typeof makeInformer<Listed>> | undefined;
  private resource: DiscoveredResource | undefined;
  private synced = false;
  private missingKind = false;
  /** the service account may not list this kind (RBAC): settled, retried slowly */
  private forbidden = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private readonly baseRetryMs: number;
  private readonly waiters = new SyncWaiters(() => this.settled);
  /** objects in insertion order, rebuilt lazily after a change */
  private snapshot: KubeObject[] | undefined;
  /** the latest start: discovery, list and opening the watch */
  private running: Promise<void> | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    readonly ref: ParamKindRef,
    private readonly options: ParamInformerOptions = {},
  ) {
    this.baseRetryMs = options.retryMs ?? 1000;
    this.retryMs = this.baseRetryMs;
  }

  start(): void {
    this.stopped = false;
    this.running = this.run();
  }

  /** true once the first list is in, or the kind turned out not to be served */
  get settled(): boolean {
    return this.synced || this.missingKind || this.forbidden;
  }

  get missing(): boolean {
    return this.missingKind;
  }

  get scope(): DiscoveredResource | undefined {
    return this.resource;
  }

  /** every cached object (in list / arrival order) */
  objects(): KubeObject[] {
    this.snapshot ??= [...this.byKey.values()];
    return this.snapshot;
  }

  /** Resolves true once settled, false when timeoutMs passes first (or on stop). */
  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.waiters.wake();
    await stopInformer(this.informer, this.running);
  }

  private async run(): Promise<void> {
    try {
      if (!this.resource) {
        const resource = await discoverResource(this.kubeConfig, this.ref);
        if (this.stopped) return;
        this.resource = resource;
        this.informer = this.makeInformer(resource);
      }
      await this.informer?.start();
    } catch (error) {
      if (error instanceof KindNotFoundError) {
        this.missingKind = true;
        this.options.onError?.(`param informer ${paramKindKey(this.ref)}: ${error.message}; using policy-folder params only`);
        this.waiters.wake();
        return;
      }
      this.restartLater(error);
    }
  }

  private makeInformer(resource: DiscoveredResource): ReturnType<typeof makeInformer<Listed>> {
    const informer = makeInformer<Listed>(this.kubeConfig, resource.path, async () => {
      const list = (await getJson(this.kubeConfig, resource.path)) as KubernetesListObject<Listed>;
      // the list is the full truth: after a relist, objects it lacks were deleted meanwhile
      this.byKey.clear();
      for (const item of list.items ?? []) this.store(item);
      this.synced = true;
      this.forbidden = false;
      this.retryMs = this.baseRetryMs;
      this.waiters.wake();
      return { ...list, items: list.items ?? [] };
    });
    // ListWatch.stop() cannot abort a watch request still being opened: one that opens after
    // stop() is closed at its first event
    const live = (): boolean => {
      if (this.stopped) void informer.stop();
      return !this.stopped;
    };
    const upsert = (item: Listed): void => {
      if (live()) this.store(item);
    };
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (item: Listed) => {
      if (live() && this.byKey.delete(keyOf(item))) this.snapshot = undefined;
    });
    informer.on('error', (error: unknown) => this.restartLater(error));
    return informer;
  }

  private store(item: KubeObject): void {
    if (!item.metadata?.name) return;
    const plain = toPlain(item);
    // list items carry no apiVersion/kind: give them the paramKind's, as a GET of one object would
    plain.apiVersion ??= this.ref.apiVersion;
    plain.kind ??= this.ref.kind;
    this.byKey.set(keyOf(plain), deepFreeze(plain));
    this.snapshot = undefined;
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    if (isForbidden(error)) {
      // RBAC, not an outage: say so once, do not hold up startup, and look again now and then
      if (!this.forbidden) {
        this.forbidden = true;
        const resource = this.resource?.path ?? paramKindKey(this.ref);
        this.options.onError?.(
          `param informer ${paramKindKey(this.ref)}: forbidden (HTTP 403): grant get, list and watch on ${resource} to read params from the cluster; using policy-folder params meanwhile`,
        );
        this.waiters.wake();
      }
      this.retryMs = FORBIDDEN_RETRY_MS;
    } else {
      this.options.onError?.(`param informer ${paramKindKey(this.ref)}: ${error instanceof Error ? error.message : String(error)}; retrying in ${this.retryMs}ms`);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.start();
    }, this.retryMs);
    this.retryTimer.unref();
    if (!this.forbidden) this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }
}

/** How often a kind the service account may not read is tried again. */
const FORBIDDEN_RETRY_MS = 60_000;

function isForbidden(error: unknown): boolean {
  if (error instanceof HttpError) return error.statusCode === 403;
  const candidate = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  return candidate?.code === 403 || candidate?.statusCode === 403 || /\bHTTP 403\b|\b403\b.*Forbidden/.test(String(candidate?.message ?? ''));
}

function keyOf(item: KubeObject): string {
  return `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`;
}
