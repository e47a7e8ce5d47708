import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { callWithDeadline, guard, GUARD_NAME, instrumentGuards, PolicyTimeoutError } from '../../src/loaders/guard.js';

/** Evaluates a snippet (an expression list ending in a result) with a counting guard. */
function run(code: string, guardFn: () => void = () => {}): unknown {
  return vm.runInNewContext(`'use strict';\n${code}`, { [GUARD_NAME]: guardFn });
}

const SNIPPETS: [string, string][] = [
  ['arrow returning an object literal', 'const f = (a) => ({ a: String(a) }); JSON.stringify(f(1))'],
  ['nested arrows', 'const add = (a) => (b) => (c) => Number(a) + b + c; add(1)(2)(3)'],
  ['loop bodies without braces', 'let n = 0; for (let i = 0; i < 3; i++) n += i; while (n < 10) n++; do n++; while (n < 12); n'],
  ['a loop as the branch of if/else', 'let n = 0; if (n === 0) for (const x of [1, 2]) n += x; else n = -1; n'],
  ['labelled loops with continue', 'let n = 0; outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) continue outer; n++; } } n'],
  ['for-in', 'let keys = ""; for (const k in { a: 1, b: 2 }) keys += k; keys'],
  ['classes, super, getters, static blocks', 'class A { constructor(x) { this.x = x; } get double() { return this.x * 2; } } class B extends A { constructor() { super(4); } static { this.s = 1; } } new B().double + B.s'],
  ['generators', 'function* g() { for (let i = 0; i < 3; i++) yield i; } [...g()].join(",")'],
  ['default parameters and destructuring', 'const f = ({ a = 1 } = {}, [b] = [2]) => Math.max(a, b); f()'],
  ['function declarations with directives', 'function f() { "use strict"; return String(typeof this); } f()'],
  ['comma/sequence arrow body', 'const f = (a) => (a, String(a + 1)); f(1)'],
  ['arrow body ending the file', 'const f = (x) => Number(x) * 2\nf(21)'],
];

describe('instrumentGuards', () => {
  it.each(SNIPPETS)('keeps the meaning of %s', (_name, code) => {
    const expected = run(code);
    let guards = 0;
    const instrumented = instrumentGuards(code).code;
    expect(instrumented).not.toBe(code);
    expect(run(instrumented, () => guards++)).toEqual(expected);
    expect(guards).toBeGreaterThan(0);
  });

  it('guards every loop iteration and every call of a function that calls something', () => {
    let guards = 0;
    run(instrumentGuards('function leaf(x) { return x + 1; } function f(x) { return leaf(x); } for (let i = 0; i < 5; i++) f(i);').code, () => guards++);
    // 5 loop iterations + 5 calls of f; leaf makes no call, so it cannot recurse and is not guarded
    expect(guards).toBe(10);
  });

  it('guards a function whose only call is inside a nested expression, not one whose calls are in nested functions', () => {
    const { code } = instrumentGuards('const a = (x) => [x].map((y) => y); const b = () => () => 1;');
    // a calls map; the arrow passed to map makes no call; b only returns a function
    expect(code).toBe(`const a = (x) => (${GUARD_NAME}(), [x].map((y) => y)); const b = () => () => 1;`);
  });

  it('maps columns of the instrumented code back to the original', () => {
    const code = 'const f = (a) => a.b.c();';
    const { code: out, originalColumn } = instrumentGuards(code);
    expect(out).toBe(`const f = (a) => (${GUARD_NAME}(), a.b.c());`);
    // `a.b.c` starts at column 18 (1-based) in the original
    const at = out.indexOf('a.b.c') + 1;
    expect(originalColumn(1, at)).toBe(18);
    expect(originalColumn(1, 5)).toBe(5);
  });

  it('rejects code that does not parse', () => {
    expect(() => instrumentGuards('function (')).toThrow(SyntaxError);
  });
});

describe('callWithDeadline', () => {
  it('throws PolicyTimeoutError once the deadline passes and keeps throwing within the call', () => {
    let caught = 0;
    const spin = (): string => {
      for (;;) {
        try {
          for (;;) guard();
        } catch {
          caught++;
          // a policy that catches the timeout is stopped at its next guard
          guard();
        }
      }
    };
    expect(() => callWithDeadline(spin, 5)).toThrow(new PolicyTimeoutError(5));
    expect(caught).toBe(1);
    // the next call starts afresh
    expect(callWithDeadline(() => { guard(); return 'ok'; }, 5)).toBe('ok');
  });

  it('leaves guards outside a call unbounded and restores an outer deadline after a nested call', () => {
    for (let i = 0; i < 10_000; i++) guard();
    const result = callWithDeadline(() => {
      const inner = callWithDeadline(() => 'inner', 1000);
      guard();
      return inner;
    }, 1000);
    expect(result).toBe('inner');
  });
});
