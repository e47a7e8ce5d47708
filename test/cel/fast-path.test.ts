/**
 * The compiled fast path (src/cel/fast.ts) against the engine: every expression of the built-in
 * policies and a table of edge cases, evaluated on the policies' test manifests, the benchmark
 * objects and odd inputs, must give the same value or the same error with the fast path on as with
 * it off. And the fast path must actually answer for the built-in policies on ordinary objects
 * (otherwise it silently costs a second evaluation).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createCelEnvironment, type CelEnvironment, type CelInput, type CelProgram } from '../../src/cel/index.js';
import { FAST_PATH_MISS } from '../../src/cel/fast.js';
import { benchObject } from '../../bench/support/bodies.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fast = createCelEnvironment({ fastPath: true });
const engine = createCelEnvironment({ fastPath: false });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.yaml') ? [full] : [];
  });
}

const documents = files(path.join(root, 'policies')).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as Record<string, any>),
);

interface PolicyExpressions {
  name: string;
  variables: { name: string; expression: string }[];
  expressions: string[];
}

const policies: PolicyExpressions[] = documents
  .filter((doc) => doc?.kind === 'ValidatingAdmissionPolicy')
  .map((doc) => ({
    name: doc.metadata.name as string,
    variables: (doc.spec.variables ?? []) as { name: string; expression: string }[],
    expressions: [
      ...((doc.spec.matchConditions ?? []) as { expression: string }[]).map((c) => c.expression),
      ...((doc.spec.validations ?? []) as { expression: string; messageExpression?: string }[]).flatMap((v) => [v.expression, ...(v.messageExpression ? [v.messageExpression] : [])]),
    ],
  }));

const manifests = documents.filter((doc) => typeof doc?.kind === 'string' && !['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ConfigMap'].includes(doc.kind) && !('cases' in doc));
const paramObjects = [null, ...documents.filter((doc) => doc?.kind === 'ConfigMap')];

/** Outcome of evaluating on one environment: a JSON value or the error text. */
function outcome(run: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error) };
  }
}

function compileVariables(env: CelEnvironment, variables: { name: string; expression: string }[]) {
  const compiled: { name: string; program: CelProgram }[] = [];
  for (const v of variables) compiled.push({ name: v.name, program: env.compile(v.expression, { variables: compiled.map((c) => c.name) }) });
  return compiled;
}

function both(expressions: string[], variables: { name: string; expression: string }[], input: CelInput): void {
  const names = variables.map((v) => v.name);
  const fastVars = compileVariables(fast, variables);
  const engineVars = compileVariables(engine, variables);
  const fastActivation = fast.activation(input, fastVars, new Map());
  const engineActivation = engine.activation(input, engineVars, new Map());
  for (const expression of expressions) {
    const expected = outcome(() => engine.compile(expression, { variables: names }).evaluate(engineActivation));
    const actual = outcome(() => fast.compile(expression, { variables: names }).evaluate(fastActivation));
    expect(actual, `${expression} on ${JSON.stringify(input.object).slice(0, 200)}`).toStrictEqual(expected);
  }
}

const emptyInput = (object: unknown, params: unknown = null): CelInput => ({ object, oldObject: null, request: { operation: 'CREATE' }, params, namespaceObject: null });

describe('the CEL fast path gives what the engine gives', () => {
  it('for every expression of the built-in policies, on their test manifests and the benchmark objects', () => {
    expect(policies.length).toBeGreaterThanOrEqual(5);
    const objects = [...manifests, benchObject('pod'), benchObject('deployment')];
    expect(objects.length).toBeGreaterThan(10);
    for (const policy of policies) {
      const all = [...policy.variables.map((v) => `variables.${v.name}`), ...policy.expressions];
      for (const object of objects) for (const params of paramObjects) both(all, policy.variables, emptyInput(object, params));
    }
  });

  it('on edge cases: errors, overflow, mixed types, unicode, optionals, maps, undefined keys', () => {
    const objects = [
      { a: 1, b: 2.5, s: 'héllo😀', n: null, l: [1, 2, 3], m: { x: 1, y: 'z' }, e: [], big: 2 ** 63, list: ['a', 'b'] },
      { a: -1, b: 0, s: '', n: null, l: [], m: {}, e: [1], big: 2 ** 70, list: [1, 'a'], u: undefined },
      { a: 'text', l: [{ k: 1 }, { k: 'x' }], m: { x: [1], y: null }, s: 'a\ud83d', list: [true] },
    ];
    const expressions = [
      'object.a + 1', 'object.s + "!"', 'object.a * 2', 'object.big + 1', 'object.a - object.b', '-object.a', 'object.a == 1', 'object.a == 1.0', 'object.a != "1"',
      'object.a < 2', 'object.s < "z"', 'object.b > 1', 'size(object.s)', 'object.s.size()', 'size(object.l)', 'size(object.m)',
      'object.s.contains("llo")', 'object.s.startsWith("h")', 'object.s.endsWith("😀")', 'object.s.indexOf("l")', 'object.s.lastIndexOf("l")',
      'object.s.substring(1, 3)', "object.s.matches('^h.*')", 'object.missing', 'has(object.missing)', 'has(object.m.x)', 'has(object.n.x)',
      'has(object.m)', 'object.n.x', 'object.?missing.orValue(5)', 'object.?m.?x.orValue(0)', 'object.?m.x', 'object.m.?x.hasValue()',
      'object.l + object.e', 'object.l + [4]', 'object.l + [4.0]', '[1.5] + object.l', 'object.l + ["x"]', 'object.list + ["c"]', 'object.l[0]', 'object.l[5]', 'object.m["x"]', 'object.m["nope"]',
      '"x" in object.m', '1 in object.l', '"a" in object.list', 'object.l.all(x, x > 0)', 'object.l.exists(x, x == 2)', 'object.l.exists_one(x, x > 1)',
      'object.l.map(x, x * 2)', 'object.l.filter(x, x % 2 == 1)', 'object.l.map(x, x > 1, x)', 'object.m.all(k, k != "")', 'object.m.map(k, k)',
      'object.a > 0 && object.missing', 'object.missing || true', 'true || object.missing', 'object.missing && false', '!object.a',
      'object.a ? 1 : 2', 'object.a == 1 ? object.l : object.e', 'string(object.a)', 'string(object.b)', 'string(true)', "quantity('1Gi').isLessThan(quantity('2Gi'))",
      "quantity(string(object.a)).isGreaterThan(quantity('0'))", 'object.l.map(x, [x]).all(y, size(y) == 1)', '[1, 2].exists(x, [3, 4].exists(y, x + y == 5))',
      'object.big', 'object.b', 'object.u', 'has(object.u)', 'size(object)', 'object.l.map(x, object.m)',
    ];
    for (const object of objects) both(expressions, [], emptyInput(object));
  });

  it('on generated JSON objects, for the built-in policies', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double({ noNaN: true }), fc.string(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
      list: fc.array(tie('value'), { maxLength: 3 }),
      map: fc.dictionary(fc.constantFrom('name', 'image', 'resources', 'limits', 'requests', 'cpu', 'memory', 'x'), tie('value'), { maxKeys: 4 }),
    })).value;
    const container = fc.record({ name: fc.string(), image: fc.oneof(fc.constantFrom('nginx', 'nginx:latest', 'a/b:1@sha256:00', 'r.io/x:2'), fc.string()), resources: json }, { requiredKeys: ['name'] });
    const pod = fc.record({ kind: fc.constantFrom('Pod', 'Deployment'), spec: fc.record({ containers: fc.array(container, { maxLength: 3 }), initContainers: fc.array(container, { maxLength: 2 }), template: json }, { requiredKeys: [] }) });
    fc.assert(
      fc.property(pod, (object) => {
        for (const policy of policies) both([...policy.variables.map((v) => `variables.${v.name}`), ...policy.expressions], policy.variables, emptyInput(object));
      }),
      { numRuns: 150 },
    );
  });
});

describe('the fast path answers for the built-in policies', () => {
  it('evaluates every variable and validation of images and resources on the benchmark objects without falling back', () => {
    for (const kind of ['pod', 'deployment'] as const) {
      const object = benchObject(kind);
      // probes applies to Deployments and StatefulSets only
      for (const policy of policies.filter((p) => p.name === 'images' || p.name === 'resources' || (p.name === 'probes' && kind === 'deployment'))) {
        const variables = compileVariables(fast, policy.variables);
        const activation = fast.activation(emptyInput(object), variables, new Map());
        const validations = documents.find((d) => d?.kind === 'ValidatingAdmissionPolicy' && d.metadata.name === policy.name)!.spec.validations as { expression: string }[];
        const programs = [...variables.map((v) => v.program), ...validations.map((v) => fast.compile(v.expression, { variables: variables.map((x) => x.name) }))];
        for (const program of programs) {
          const compiled = (program as any).fast as ((roots: unknown) => unknown) | undefined;
          expect(compiled, `${policy.name}: ${program.source} is compiled`).toBeTypeOf('function');
          let missed = false;
          try {
            compiled!(activation.context);
          } catch (error) {
            missed = error === FAST_PATH_MISS;
            if (!missed) throw error;
          }
          expect(missed, `${policy.name} on a ${kind}: ${program.source}`).toBe(false);
        }
      }
    }
  });
});
