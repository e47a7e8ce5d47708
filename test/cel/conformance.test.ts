/**
 * cel-spec conformance over the simple tests shipped in @bufbuild/cel-spec, run through the same
 * engine, libraries and compile passes as the Kubernetes environment (compileForSpec).
 *
 * Tests that need what a Kubernetes environment does not have are skipped: protobuf messages and
 * enums, containers, macro-less parsing, check-only/unknown results. Error-expecting tests pass on
 * any compile or evaluation error. Pass counts per section must not fall below the committed
 * floor in conformance-floor.json; `CEL_CONFORMANCE_UPDATE_FLOOR=1` raises the floor (never lowers).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getConformanceSuite, type IncrementalTestSuite } from '@bufbuild/cel-spec/testdata/tests.js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { Optional } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { compileForSpec } from '../../src/cel/environment.js';

const FLOOR_FILE = fileURLToPath(new URL('./conformance-floor.json', import.meta.url));

type SimpleTest = IncrementalTestSuite['tests'][number]['original'];
type ProtoValue = NonNullable<Extract<SimpleTest['resultMatcher'], { case: 'value' }>['value']>;
type ProtoType = NonNullable<NonNullable<SimpleTest['typeEnv'][number]['declKind']['value']> extends infer D ? D extends { type?: infer T } ? T : never : never>;

class Skip extends Error {}

const PRIMITIVES: Record<number, string> = { 1: 'bool', 2: 'int', 3: 'uint', 4: 'double', 5: 'string', 6: 'bytes' };

function typeName(type: ProtoType | undefined): string {
  const kind = type?.typeKind;
  switch (kind?.case) {
    case 'primitive':
      return PRIMITIVES[kind.value] ?? 'dyn';
    case 'wellKnown':
      if (kind.value === 2) return 'google.protobuf.Timestamp';
      if (kind.value === 3) return 'google.protobuf.Duration';
      throw new Skip('google.protobuf.Any');
    case 'listType':
      return `list<${typeName(kind.value.elemType)}>`;
    case 'mapType':
      return `map<${typeName(kind.value.keyType)}, ${typeName(kind.value.valueType)}>`;
    case 'null':
      return 'null';
    case 'type':
      return 'type';
    case 'messageType':
    case 'wrapper':
      throw new Skip('protobuf message');
    case 'abstractType':
      if (kind.value.name === 'optional_type') return `optional<${typeName(kind.value.parameterTypes[0])}>`;
      throw new Skip('abstract type');
    default:
      return 'dyn';
  }
}

function toEngine(value: ProtoValue | undefined): unknown {
  const kind = value?.kind;
  switch (kind?.case) {
    case 'nullValue':
      return null;
    case 'boolValue':
    case 'stringValue':
    case 'doubleValue':
      return kind.value;
    case 'int64Value':
      return BigInt(kind.value);
    case 'uint64Value':
      return new UnsignedInt(BigInt(kind.value));
    case 'bytesValue':
      return new Uint8Array(kind.value);
    case 'listValue':
      return kind.value.values.map(toEngine);
    case 'mapValue': {
      const entries = kind.value.entries.map((e) => [toEngine(e.key), toEngine(e.value)] as const);
      if (entries.every(([k]) => typeof k === 'string')) {
        const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        for (const [k, v] of entries) out[k as string] = v;
        return out;
      }
      return new Map(entries);
    }
    case 'typeValue':
      return { $type: kind.value };
    default:
      throw new Skip(`value kind ${kind?.case ?? 'unset'}`);
  }
}

/** A canonical, type-strict text form used to compare results (int, uint, double are distinct). */
function canon(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return `b:${v}`;
    case 'bigint':
      return `i:${v}`;
    case 'number':
      return `d:${Object.is(v, -0) ? 0 : v}`;
    case 'string':
      return `s:${JSON.stringify(v)}`;
    default:
      break;
  }
  if (v instanceof UnsignedInt) return `u:${v.valueOf()}`;
  if (v instanceof Uint8Array) return `y:${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v instanceof Date) return `ts:${v.toISOString()}`;
  if (v instanceof Duration) return `dur:${v.seconds}:${v.nanos}`;
  if (v instanceof Optional) return v.hasValue() ? `opt:${canon(v.value())}` : 'opt:none';
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  if (entries.length === 1 && entries[0]?.[0] === '$type') return `t:${String(entries[0][1])}`;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (!(v instanceof Map) && proto !== null && proto !== Object.prototype) {
    // the engine's type values print as Type<name>
    const name = /^Type<(.+)>$/.exec(String(v))?.[1] ?? String(v);
    return `t:${name === 'null' ? 'null_type' : name}`;
  }
  return `{${entries
    .map(([k, x]) => `${canon(k)}=>${canon(x)}`)
    .sort()
    .join(',')}}`;
}

interface Outcome {
  section: string;
  name: string;
  result: 'pass' | 'fail' | 'skip';
  detail?: string;
}

function runTest(section: string, test: SimpleTest): Outcome {
  const outcome = (result: Outcome['result'], detail?: string): Outcome => ({ section, name: test.name, result, detail });
  try {
    if (test.container !== '' || test.disableMacros || test.checkOnly) throw new Skip('container / macros / check-only');
    const matcher = test.resultMatcher;
    if (matcher.case !== 'value' && matcher.case !== 'evalError' && matcher.case !== 'anyEvalErrors' && matcher.case !== undefined) {
      throw new Skip(matcher.case);
    }
    const declarations = new Map<string, string>();
    for (const decl of test.typeEnv) {
      if (decl.declKind.case === 'function') throw new Skip('function declaration');
      if (decl.declKind.case === 'ident') declarations.set(decl.name, typeName(decl.declKind.value.type));
    }
    const bindings: Record<string, unknown> = {};
    for (const [name, exprValue] of Object.entries(test.bindings)) {
      if (exprValue.kind.case !== 'value') throw new Skip('error/unknown binding');
      bindings[name] = toEngine(exprValue.kind.value);
      if (!declarations.has(name)) declarations.set(name, 'dyn');
    }
    const expected = matcher.case === 'value' ? canon(toEngine(matcher.value)) : undefined;
    const expectsError = matcher.case === 'evalError' || matcher.case === 'anyEvalErrors';
    let actual: unknown;
    try {
      actual = compileForSpec(test.expr, [...declarations])(bindings);
    } catch (error) {
      return expectsError ? outcome('pass') : outcome('fail', (error as Error).message.split('\n')[0]);
    }
    if (expectsError) return outcome('fail', `expected an error, got ${canon(actual)}`);
    const got = canon(actual);
    // a test without a matcher expects `true`
    const want = expected ?? 'b:true';
    return got === want ? outcome('pass') : outcome('fail', `expected ${want}, got ${got}`);
  } catch (error) {
    if (error instanceof Skip) return outcome('skip', error.message);
    return outcome('fail', (error as Error).message);
  }
}

function collect(suite: IncrementalTestSuite, section: string, out: Outcome[]): void {
  for (const t of suite.tests) out.push(runTest(section, t.original));
  for (const child of suite.suites) collect(child, section, out);
}

describe('cel-spec conformance', () => {
  it('keeps every section at or above its committed floor', () => {
    const outcomes: Outcome[] = [];
    for (const section of getConformanceSuite().suites) collect(section, section.name, outcomes);

    const counts = new Map<string, { pass: number; fail: number; skip: number }>();
    for (const o of outcomes) {
      const c = counts.get(o.section) ?? { pass: 0, fail: 0, skip: 0 };
      c[o.result]++;
      counts.set(o.section, c);
    }
    const rows = [...counts].map(([section, c]) => ({ section, passed: c.pass, runnable: c.pass + c.fail, skipped: c.skip }));
    const total = rows.reduce((a, r) => ({ passed: a.passed + r.passed, runnable: a.runnable + r.runnable }), { passed: 0, runnable: 0 });
    console.log(
      `cel-spec conformance: ${total.passed}/${total.runnable} runnable tests pass\n` +
        rows.map((r) => `  ${r.section.padEnd(16)} ${String(r.passed).padStart(4)} / ${String(r.runnable).padEnd(4)} (skipped ${r.skipped})`).join('\n'),
    );
    if (process.env.CEL_CONFORMANCE_FAILURES) {
      for (const o of outcomes) if (o.result === 'fail' && (o.section === process.env.CEL_CONFORMANCE_FAILURES || process.env.CEL_CONFORMANCE_FAILURES === 'all')) console.log(`FAIL ${o.section}/${o.name}: ${o.detail}`);
    }

    const floor = JSON.parse(readFileSync(FLOOR_FILE, 'utf8')) as Record<string, number>;
    if (process.env.CEL_CONFORMANCE_UPDATE_FLOOR === '1') {
      const raised: Record<string, number> = {};
      for (const r of rows) raised[r.section] = Math.max(floor[r.section] ?? 0, r.passed);
      writeFileSync(FLOOR_FILE, `${JSON.stringify(raised, null, 2)}\n`);
    }
    const below = rows.filter((r) => r.passed < (floor[r.section] ?? 0)).map((r) => `${r.section}: ${r.passed} < floor ${floor[r.section]}`);
    expect(below).toEqual([]);
    expect(total.passed).toBeGreaterThan(0);
  }, 120_000);
});
