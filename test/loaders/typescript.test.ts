import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import type { Lookups, ReviewContext } from '../../src/engine/types.js';
import { PolicyLoadError } from '../../src/loaders/errors.js';
import { loadTypeScriptPolicy, type TypeScriptPolicy } from '../../src/loaders/typescript.js';
import { makeTree, removeTree } from './helpers.js';

const POD_RULES = `[{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE', 'DELETE'] }]`;

function policySource(body: string, imports = "import { definePolicy } from 'portcullis';"): string {
  return `${imports}\nexport default definePolicy({\n  match: { resources: ${POD_RULES} },\n${body}\n});\n`;
}

const FILES: Record<string, string> = {
  'host-network.ts': policySource(`  name: 'no-host-network',
  validate: ({ object }) => (object as any).spec?.hostNetwork ? [{ message: 'hostNetwork is forbidden', path: 'spec.hostNetwork' }] : [],`),
  'warn.ts': policySource(`  name: 'warn-latest',
  action: 'Warn',
  validate: ({ object }) => ({
    violations: [{ message: 'image uses latest' }, { message: 'really denied', action: 'Deny', rule: 'strict' }],
    auditAnnotations: { checked: 'yes' },
  }),`),
  'verbatim.ts': policySource(`  name: 'verbatim',
  messageFormat: 'verbatim',
  validate: () => [{ message: 'exactly this', path: 'spec' }],`),
  'configured.ts': policySource(`  name: 'configured',
  defaults: { limit: 1 },
  validate: ({ config }) => [{ message: 'limit is ' + (config as { limit: number }).limit }],`),
  'selected.ts': `import { definePolicy } from 'portcullis';
export default definePolicy({
  name: 'selected',
  match: {
    resources: ${POD_RULES},
    namespaceSelector: { matchLabels: { team: 'a' } },
    objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] },
    excludeNamespaces: ['kube-system'],
  },
  validate: ({ object, operation, oldObject }) => [{ message: operation + ' ' + object.metadata?.name + ' old=' + (oldObject?.metadata?.name ?? 'none') }],
});
`,
  'throws-fail.ts': policySource(`  name: 'throws-fail',
  validate: () => {
    throw new Error('boom');
  },`),
  'throws-ignore.ts': policySource(`  name: 'throws-ignore',
  failurePolicy: 'Ignore',
  validate: ({ object }) => [{ message: (object as any).spec.missing.deeper }],`),
  'loops.ts': policySource(`  name: 'loops',
  timeoutMs: 30,
  validate: ({ object }) => {
    if (object.metadata?.name === 'loop') for (;;) { /* never ends */ }
    return [{ message: 'finished ' + object.metadata?.name }];
  },`),
  'recursion.ts': policySource(`  name: 'recursion',
  timeoutMs: 30,
  failurePolicy: 'Ignore',
  validate: () => {
    const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    return [{ message: String(fib(200)) }];
  },`),
  'swallows.ts': policySource(`  name: 'swallows',
  timeoutMs: 30,
  validate: () => {
    try {
      for (;;) { /* never ends */ }
    } catch {
      return [];
    }
  },`),
  'bad-result.ts': policySource(`  name: 'bad-result',
  validate: () => [{ message: 42 }] as any,`),
  'mutator.ts': policySource(`  name: 'mutator',
  mutate: ({ object }) => {
    (object.metadata as any).labels = { ...(object.metadata?.labels ?? {}), mutated: 'yes' };
    if (object.metadata?.name === 'in-place') return;
    return object;
  },`),
  'mutator-throws.ts': policySource(`  name: 'mutator-throws',
  failurePolicy: 'Ignore',
  mutate: () => { throw new TypeError('nope'); },`),
  'package/index.ts': `import { definePolicy } from 'portcullis';
import { message } from './helper.js';
export default definePolicy({ name: 'packaged', match: { resources: ${POD_RULES} }, validate: () => [{ message: message() }] });
`,
  'meta/index.ts': `import { readFileSync } from 'node:fs';
const data = readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim();
export default { name: 'meta', match: { resources: ${POD_RULES} }, validate: () => [{ message: data + ' ' + (import.meta.dirname === __dirname) }] };
`,
  'meta/data.txt': 'beside the module\n',
  'package/helper.ts': `export function message(): string { return 'from helper'; }\n`,
  'syntax-error.ts': `import { definePolicy } from 'portcullis';\nexport default definePolicy({\n  name: 'x',\n  match: { resources: [] ,\n});\n`,
  'no-default.ts': `export const policy = 1;\n`,
  'not-object.ts': `export default 'policy';\n`,
  'no-name.ts': policySource(`  validate: () => [],`),
  'bad-operation.ts': `import { definePolicy } from 'portcullis';
export default definePolicy({ name: 'bad-op', match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'create' as any] }] }, validate: () => [] });
`,
  'no-functions.ts': policySource(`  name: 'nothing',`),
  'bad-timeout.ts': policySource(`  name: 'bad-timeout', timeoutMs: -1, validate: () => [],`),
  'top-level-loop.ts': `for (;;) { /* never ends */ }\nexport default {};\n`,
  'top-level-throw.ts': `throw new RangeError('at load');\nexport default {};\n`,
  'missing-import.ts': `import { x } from './nowhere.js';\nexport default x;\n`,
};

let root: string;
const loaded = new Map<string, TypeScriptPolicy>();
const policyConfig = { configured: { limit: 7 } };

async function load(name: string, config: Record<string, unknown> = {}): Promise<TypeScriptPolicy> {
  return loadTypeScriptPolicy(path.join(root, name), { policyConfig: config });
}

async function loadError(name: string): Promise<PolicyLoadError> {
  try {
    await load(name);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyLoadError);
    return error as PolicyLoadError;
  }
  throw new Error(`expected ${name} to fail loading`);
}

function pod(name: string, extra: Partial<KubeObject> = {}, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, spec: { containers: [] }, ...extra };
}

function review(object: KubeObject | null, options: { operation?: AdmissionRequest['operation']; namespace?: string; oldObject?: KubeObject; namespaceLabels?: Record<string, string> } = {}): ReviewContext {
  const namespace = options.namespace ?? 'default';
  const request: AdmissionRequest = {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: object?.metadata?.name ?? options.oldObject?.metadata?.name ?? '',
    namespace,
    operation: options.operation ?? 'CREATE',
    userInfo: { username: 'alice' },
    object,
    oldObject: options.oldObject ?? null,
  };
  const namespaceObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: options.namespaceLabels ?? {} } };
  const lookups: Lookups = { namespace: () => namespaceObject, params: () => [] };
  return { request, namespaceObject, lookups };
}

beforeAll(async () => {
  root = await makeTree(FILES);
  for (const name of ['host-network.ts', 'warn.ts', 'verbatim.ts', 'selected.ts', 'throws-fail.ts', 'throws-ignore.ts', 'loops.ts', 'recursion.ts', 'swallows.ts', 'bad-result.ts', 'mutator.ts', 'mutator-throws.ts', 'package/index.ts', 'meta/index.ts']) {
    loaded.set(name, await load(name));
  }
  loaded.set('configured.ts', await load('configured.ts', policyConfig));
});
afterAll(() => removeTree(root));

const get = (name: string): TypeScriptPolicy => loaded.get(name) as TypeScriptPolicy;

describe('loading a TypeScript policy', () => {
  it('adapts the definition to an engine Policy', () => {
    const policy = get('host-network.ts');
    expect(policy.name).toBe('no-host-network');
    expect(policy.source).toBe('TypeScript');
    expect(policy.file).toBe(path.join(root, 'host-network.ts'));
    expect(policy.failurePolicy).toBe('Fail');
    expect(policy.timeoutMs).toBe(100);
    expect(policy.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE', 'DELETE'] }]);
    expect(typeof policy.validate).toBe('function');
    expect(policy.mutate).toBeUndefined();
    expect(get('mutator.ts').validate).toBeUndefined();
  });

  it('bundles a folder module with its relative imports', () => {
    expect(get('package/index.ts').validate?.(review(pod('p'))).findings.map((f) => f.message)).toEqual(["policy 'packaged' denied request: from helper"]);
  });

  it('gives import.meta of the entry module and node builtins', () => {
    expect(get('meta/index.ts').validate?.(review(pod('p'))).findings.map((f) => f.message)).toEqual(["policy 'meta' denied request: beside the module true"]);
  });

  it('reports a transpile error with the file and line', async () => {
    const error = await loadError('syntax-error.ts');
    expect(error.code).toBe('POLICY_TRANSPILE');
    expect(error.file).toBe(path.join(root, 'syntax-error.ts'));
    expect(error.line).toBe(5);
    expect(error.message).toBe(`${path.join(root, 'syntax-error.ts')}:5: column 2: Expected "}" but found ")"`);
  });

  it('reports an import that does not resolve', async () => {
    const error = await loadError('missing-import.ts');
    expect(error).toMatchObject({ code: 'POLICY_TRANSPILE', line: 1 });
    expect(error.message).toContain('Could not resolve "./nowhere.js"');
  });

  it.each([
    ['no-default.ts', 'no default export: a policy module must `export default definePolicy({...})`'],
    ['not-object.ts', 'default export must be a policy definition object from definePolicy({...}) (got "policy")'],
    ['no-name.ts', "default export: name must be a lowercase DNS name like 'no-host-network' (got nothing)"],
    ['bad-operation.ts', 'default export: match.resources[0].operations[1] must be one of CREATE, UPDATE, DELETE, CONNECT, * (got "create")'],
    ['no-functions.ts', 'default export: validate or mutate must be given: a policy needs at least one of them'],
    ['bad-timeout.ts', 'default export: timeoutMs must be a number of milliseconds from 1 to 30000 (got -1)'],
  ])('rejects a bad default export (%s) naming the file and field', async (name, message) => {
    const error = await loadError(name);
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.message).toBe(`${path.join(root, name)}: ${message}`);
  });

  it('bounds top-level module code in time and reports its failure', async () => {
    const loop = await loadError('top-level-loop.ts');
    expect(loop.code).toBe('POLICY_MODULE_FAILED');
    expect(loop.message).toBe(`${path.join(root, 'top-level-loop.ts')}: module top-level code failed: timed out after 2000ms`);
    const thrown = await loadError('top-level-throw.ts');
    expect(thrown.message).toBe(
      `${path.join(root, 'top-level-throw.ts')}: module top-level code failed: RangeError: at load (at ${path.join(root, 'top-level-throw.ts')}:1:7)`,
    );
  });
});

describe('validate', () => {
  it('returns a prefixed Deny finding with code 403 and the field', () => {
    const result = get('host-network.ts').validate?.(review(pod('p', { spec: { hostNetwork: true } })));
    expect(result).toEqual({
      findings: [
        {
          policy: 'no-host-network',
          action: 'Deny',
          message: "policy 'no-host-network' denied request: hostNetwork is forbidden (field spec.hostNetwork)",
          path: 'spec.hostNetwork',
          code: 403,
          reason: 'Forbidden',
        },
      ],
    });
    expect(get('host-network.ts').validate?.(review(pod('p')))).toEqual({ findings: [] });
  });

  it('uses the policy action, a violation override, rules and prefixed audit annotations', () => {
    expect(get('warn.ts').validate?.(review(pod('p')))).toEqual({
      findings: [
        { policy: 'warn-latest', action: 'Warn', message: "policy 'warn-latest': image uses latest" },
        { policy: 'warn-latest', rule: 'strict', action: 'Deny', message: "policy 'warn-latest' denied request: really denied", code: 403, reason: 'Forbidden' },
      ],
      auditAnnotations: { 'warn-latest/checked': 'yes' },
    });
  });

  it('keeps verbatim messages as written', () => {
    expect(get('verbatim.ts').validate?.(review(pod('p'))).findings[0]?.message).toBe('exactly this');
  });

  it('passes policyConfig[name] over the defaults, frozen', async () => {
    expect(get('configured.ts').validate?.(review(pod('p'))).findings[0]?.message).toBe("policy 'configured' denied request: limit is 7");
    const withDefaults = await load('configured.ts');
    expect(withDefaults.validate?.(review(pod('p'))).findings[0]?.message).toBe("policy 'configured' denied request: limit is 1");
  });

  it('applies namespaceSelector, objectSelector and excludeNamespaces', () => {
    const policy = get('selected.ts');
    const messages = (ctx: ReviewContext): string[] => policy.validate?.(ctx).findings.map((f) => f.message) ?? [];
    expect(messages(review(pod('p'), { namespaceLabels: { team: 'a' } }))).toEqual(["policy 'selected' denied request: CREATE p old=none"]);
    expect(messages(review(pod('p'), { namespaceLabels: { team: 'b' } }))).toEqual([]);
    expect(messages(review(pod('p', {}, { skip: 'y' }), { namespaceLabels: { team: 'a' } }))).toEqual([]);
    expect(messages(review(pod('p'), { namespace: 'kube-system', namespaceLabels: { team: 'a' } }))).toEqual([]);
  });

  it('gives the old object as object on DELETE', () => {
    const result = get('selected.ts').validate?.(review(null, { operation: 'DELETE', oldObject: pod('gone'), namespaceLabels: { team: 'a' } }));
    expect(result?.findings.map((f) => f.message)).toEqual(["policy 'selected' denied request: DELETE gone old=gone"]);
  });

  it('turns a throw into a Deny error finding with failurePolicy Fail, naming the source line', () => {
    const result = get('throws-fail.ts').validate?.(review(pod('p')));
    const file = path.join(root, 'throws-fail.ts');
    expect(result).toEqual({
      findings: [
        { policy: 'throws-fail', action: 'Deny', message: `policy 'throws-fail' failed: Error: boom (at ${file}:6:11)`, code: 403, reason: 'Forbidden', error: true },
      ],
    });
  });

  it('turns a throw into a Warn error finding with failurePolicy Ignore', () => {
    const result = get('throws-ignore.ts').validate?.(review(pod('p')));
    const file = path.join(root, 'throws-ignore.ts');
    expect(result).toEqual({
      findings: [
        {
          policy: 'throws-ignore',
          action: 'Warn',
          message: `policy 'throws-ignore' failed: TypeError: Cannot read properties of undefined (reading 'deeper') (at ${file}:6:70)`,
          error: true,
        },
      ],
    });
  });

  it('times out a policy that never returns, and the next call still works', () => {
    const policy = get('loops.ts');
    expect(policy.validate?.(review(pod('loop')))).toEqual({
      findings: [
        { policy: 'loops', action: 'Deny', message: `policy 'loops' failed: timed out after 30ms (at ${path.join(root, 'loops.ts')}:7:53)`, code: 403, reason: 'Forbidden', error: true },
      ],
    });
    expect(policy.validate?.(review(pod('fine'))).findings.map((f) => f.message)).toEqual(["policy 'loops' denied request: finished fine"]);
    expect(get('host-network.ts').validate?.(review(pod('p', { spec: { hostNetwork: true } }))).findings).toHaveLength(1);
  });

  it('times out runaway recursion without loops', () => {
    const findings = get('recursion.ts').validate?.(review(pod('p'))).findings;
    expect(findings).toHaveLength(1);
    expect(findings?.[0]).toMatchObject({ policy: 'recursion', action: 'Warn', error: true });
    expect(findings?.[0]?.message).toMatch(/^policy 'recursion' failed: timed out after 30ms \(at .*recursion\.ts:8:\d+\)$/);
  });

  it('still times out a policy that catches the timeout and returns normally', () => {
    expect(get('swallows.ts').validate?.(review(pod('p'))).findings.map((f) => f.message)).toEqual(["policy 'swallows' failed: timed out after 30ms"]);
  });

  it('treats a malformed result as a policy failure', () => {
    expect(get('bad-result.ts').validate?.(review(pod('p'))).findings).toEqual([
      {
        policy: 'bad-result',
        action: 'Deny',
        message: "policy 'bad-result' failed: TypeError: validate result: violations[0].message must be a string",
        code: 403,
        reason: 'Forbidden',
        error: true,
      },
    ]);
  });
});

describe('mutate', () => {
  it('returns the mutated object and leaves the reviewed object untouched', () => {
    const object = pod('p', {}, { app: 'x' });
    const before = structuredClone(object);
    const result = get('mutator.ts').mutate?.(review(object), object);
    expect(result?.object?.metadata?.labels).toEqual({ app: 'x', mutated: 'yes' });
    expect(object).toEqual(before);
  });

  it('returns no object when the policy returns nothing (its copy changes are dropped)', () => {
    const object = pod('in-place');
    expect(get('mutator.ts').mutate?.(review(object), object)).toEqual({});
    expect(object.metadata?.labels).toBeUndefined();
  });

  it('does not run for DELETE (no object) and applies failurePolicy to a throw', () => {
    expect(get('mutator.ts').mutate?.(review(null, { operation: 'DELETE', oldObject: pod('x') }), {})).toEqual({});
    const object = pod('p');
    expect(get('mutator-throws.ts').mutate?.(review(object), object)).toEqual({
      findings: [
        {
          policy: 'mutator-throws',
          action: 'Warn',
          message: `policy 'mutator-throws' failed: TypeError: nope (at ${path.join(root, 'mutator-throws.ts')}:6:25)`,
          error: true,
        },
      ],
    });
  });
});
