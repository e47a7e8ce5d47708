import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyConfig } from '../../src/loaders/config.js';
import type { PolicyLoadError } from '../../src/loaders/errors.js';
import { loadPolicies, type LoadResult } from '../../src/loaders/index.js';
import { watchPolicies, type PolicyWatcher } from '../../src/loaders/watch.js';
import { makeTree, removeTree } from './helpers.js';

const RULES = `[{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }]`;
const tsPolicy = (name: string): string => `export default { name: '${name}', match: { resources: ${RULES} }, validate: () => [] };\n`;

/** Events from the watcher, awaited one at a time (no timing assumptions). */
class Events {
  private queue: { kind: 'change' | 'error'; value: LoadResult | PolicyLoadError[] }[] = [];
  private wake: (() => void) | undefined;
  push(kind: 'change' | 'error', value: LoadResult | PolicyLoadError[]): void {
    this.queue.push({ kind, value });
    this.wake?.();
  }
  async next(): Promise<{ kind: 'change' | 'error'; value: LoadResult | PolicyLoadError[] }> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.queue.shift() as { kind: 'change' | 'error'; value: LoadResult | PolicyLoadError[] };
  }
}

describe('watchPolicies', () => {
  let root: string;
  let watcher: PolicyWatcher | undefined;
  let events: Events;

  beforeEach(async () => {
    root = await makeTree({ 'a.ts': tsPolicy('a') });
    events = new Events();
    watcher = watchPolicies(
      { dirs: [root], config: emptyConfig(), debounceMs: 50, onError: (errors) => events.push('error', errors) },
      (result) => events.push('change', result),
    );
  });
  afterEach(async () => {
    watcher?.close();
    await removeTree(root);
  });

  it('picks up a new policy file', async () => {
    expect((await loadPolicies({ dirs: [root], config: emptyConfig() })).policies.map((p) => p.name)).toEqual(['a']);
    await writeFile(path.join(root, 'b.ts'), tsPolicy('b'));
    const event = await events.next();
    expect(event.kind).toBe('change');
    expect((event.value as LoadResult).policies.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('keeps the last good set when a change breaks, and applies the fix', async () => {
    await writeFile(path.join(root, 'b.ts'), 'export default definePolicy({ name: ;');
    const broken = await events.next();
    expect(broken.kind).toBe('error');
    expect((broken.value as PolicyLoadError[]).map((e) => [e.code, e.file])).toEqual([['POLICY_TRANSPILE', path.join(root, 'b.ts')]]);

    await writeFile(path.join(root, 'b.ts'), tsPolicy('b'));
    let fixed = await events.next();
    // a slow filesystem may deliver a late event for the broken write; the fix follows it
    while (fixed.kind === 'error') fixed = await events.next();
    expect((fixed.value as LoadResult).policies.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('reload() reports whether the new set was applied', async () => {
    const outcome = await watcher!.reload();
    expect(outcome.applied).toBe(true);
    expect(outcome.result.policies.map((p) => p.name)).toEqual(['a']);
  });
});
