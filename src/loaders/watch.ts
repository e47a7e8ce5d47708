/**
 * Reloads policy folders when they change. Reloading happens off the hot path (the reviews keep
 * using the current set while a new one is built) and the swap is one callback with a complete
 * result, so a review sees either the old set or the new one, never a mix.
 *
 * A change that does not load cleanly (any load error: invalid YAML, a module that does not bundle,
 * a duplicate name) is reported through onError and the last good set stays in force. Note that a
 * CEL expression that fails to compile is not a load error (its policy applies its failurePolicy),
 * so such a change is swapped in like any other.
 *
 * Only the policy folders themselves are watched: a TypeScript policy importing code from outside
 * its folder is not reloaded when that code changes.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { PolicyLoadError } from './errors.js';
import { loadPolicies, type LoadOptions, type LoadResult } from './index.js';

export interface WatchOptions extends LoadOptions {
  /** quiet period after the last file event before reloading (default 250ms) */
  debounceMs?: number;
  /** a reload that had load errors; the previous set stays in force */
  onError?: (errors: PolicyLoadError[]) => void;
}

export interface PolicyWatcher {
  /** reload now (also what a file change triggers); resolves with the outcome */
  reload(): Promise<{ applied: boolean; result: LoadResult }>;
  close(): void;
}

/**
 * Watches `options.dirs` and calls onChange with each new, error-free LoadResult. The caller does the
 * initial loadPolicies itself (and decides what a startup error means); the watcher handles changes.
 */
export function watchPolicies(options: WatchOptions, onChange: (result: LoadResult) => void): PolicyWatcher {
  const debounceMs = options.debounceMs ?? 250;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<{ applied: boolean; result: LoadResult }> | undefined;
  let again = false;
  let closed = false;

  const reloadOnce = async (): Promise<{ applied: boolean; result: LoadResult }> => {
    const result = await loadPolicies(options);
    if (closed) return { applied: false, result };
    if (result.errors.length > 0) {
      options.onError?.(result.errors);
      return { applied: false, result };
    }
    onChange(result);
    return { applied: true, result };
  };

  // One reload at a time; changes during a reload trigger exactly one more, which sees them all.
  const reload = (): Promise<{ applied: boolean; result: LoadResult }> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let outcome = await reloadOnce();
        while (again && !closed) {
          again = false;
          outcome = await reloadOnce();
        }
        return outcome;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload().catch((error: unknown) => options.onError?.([toLoadError(error)]));
    }, debounceMs);
    timer.unref();
  };

  for (const dir of options.dirs) {
    try {
      // folders recursively; a single policy file through its own events
      const watcher = watch(dir, { recursive: statSync(dir).isDirectory(), persistent: false }, schedule);
      watcher.on('error', (error) => options.onError?.([toLoadError(error, dir)]));
      watchers.push(watcher);
    } catch (error) {
      options.onError?.([toLoadError(error, dir)]);
    }
  }

  return {
    reload,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

function toLoadError(error: unknown, file = '(policies)'): PolicyLoadError {
  if (error instanceof PolicyLoadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PolicyLoadError('POLICY_WATCH_FAILED', file, `cannot watch or reload policies: ${message}`);
}
