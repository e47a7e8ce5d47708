/**
 * Keeps every Namespace of the cluster in memory (list + watch through @kubernetes/client-node's
 * informer), so a review's namespace lookup is a Map read and never a request.
 *
 * Objects are kept as plain JSON (what a review carries and CEL expects), not client-node model
 * classes. The informer stops on an error (e.g. the apiserver is unreachable): we restart it with
 * a capped backoff and keep serving the last known namespaces meanwhile.
 */
import { CoreV1Api, makeInformer, type KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import type { KubeObject } from '../admission/types.js';
import { deepFreeze, stopInformer, SyncWaiters, toPlain } from './plain.js';

export interface NamespaceInformerOptions {
  /** first restart delay after an error (default 1s, doubled up to 30s) */
  retryMs?: number;
  /** told about errors (the message only: logs never carry object contents) */
  onError?: (message: string) => void;
}

export class NamespaceInformer {
  private readonly byName = new Map<string, KubeObject>();
  private readonly informer;
  private synced = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private readonly baseRetryMs: number;
  private readonly waiters = new SyncWaiters(() => this.synced);
  private running: Promise<void> | undefined;

  constructor(kubeConfig: KubeConfig, private readonly options: NamespaceInformerOptions = {}) {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    this.baseRetryMs = options.retryMs ?? 1000;
    this.retryMs = this.baseRetryMs;
    this.informer = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', async () => {
      const list = await api.listNamespace();
      // the list is the full truth: after a relist, names it lacks were deleted meanwhile
      this.byName.clear();
      for (const item of list.items) this.store(item);
      this.markSynced();
      return list;
    });
    const upsert = (item: V1Namespace): void => this.store(item);
    this.informer.on('add', upsert);
    this.informer.on('update', upsert);
    this.informer.on('delete', (item) => {
      if (item.metadata?.name) this.byName.delete(item.metadata.name);
    });
    this.informer.on('error', (error: unknown) => this.restartLater(error));
  }

  start(): void {
    this.stopped = false;
    this.running = this.informer.start().catch((error: unknown) => this.restartLater(error));
  }

  get(name: string): KubeObject | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in, false when timeoutMs passes first. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.waiters.wake();
    await stopInformer(this.informer, this.running);
  }

  private store(item: V1Namespace | KubeObject): void {
    const plain = toPlain(item);
    const name = plain.metadata?.name;
    if (name) this.byName.set(name, deepFreeze(plain));
  }

  private markSynced(): void {
    this.synced = true;
    this.retryMs = this.baseRetryMs;
    this.waiters.wake();
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    this.options.onError?.(`namespace informer: ${error instanceof Error ? error.message : String(error)}; retrying in ${this.retryMs}ms`);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.start();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }
}
