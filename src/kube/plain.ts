/** Cluster objects as the apiserver's plain JSON, frozen because every review shares them; informer helpers. */
import type { KubeObject } from '../admission/types.js';

/**
 * List items may arrive as client-node model classes (Date fields), watch events as raw JSON: both
 * end up as the apiserver's JSON. The models' field names are the JSON names, so a JSON round trip
 * is the conversion; times keep the apiserver's second precision (`...T10:00:00Z`).
 */
export function toPlain(item: object): KubeObject {
  return JSON.parse(
    JSON.stringify(item, function (this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? raw.toISOString().replace(/\.000Z$/, 'Z') : value;
    }),
  ) as KubeObject;
}

// shared with every review: frozen so a policy cannot change what the next review sees
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Waits for a promise to settle, at most timeoutMs (shutdown must not hang on a slow apiserver). */
export async function settledWithin(promise: Promise<unknown> | undefined, timeoutMs: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/**
 * Callers waiting for an informer's first sync: `wait` resolves with `isSynced()` once `wake` is
 * called or the timeout passes, whichever comes first.
 */
export class SyncWaiters {
  private readonly waiting = new Set<() => void>();

  constructor(private readonly isSynced: () => boolean) {}

  wait(timeoutMs: number): Promise<boolean> {
    if (this.isSynced()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve(this.isSynced());
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.waiting.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.waiting]) done();
  }
}

/**
 * Stops a client-node informer for good. ListWatch.stop() cannot abort a watch that is still being
 * opened, so: stop, let the start in progress settle (at most 2 s), stop again.
 */
export async function stopInformer(informer: { stop(): Promise<void> } | undefined, running: Promise<unknown> | undefined): Promise<void> {
  await informer?.stop();
  await settledWithin(running, 2000);
  await informer?.stop();
}
