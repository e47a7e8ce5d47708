/**
 * Kubernetes lists library (apiserver `library/lists.go`): isSorted, sum, min, max, indexOf,
 * lastIndexOf on lists. Overloads are declared per element type as the apiserver does; for
 * `list<dyn>` (any JSON list) the engine picks the overload from the first element at run time.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { charge } from '../budget.js';
import { celCompare, celEquals } from './compare.js';
import type { CelLibrary, Implementation } from './library.js';

function isSorted(list: unknown[]): boolean {
  charge(list.length);
  for (let i = 1; i < list.length; i++) if (celCompare(list[i - 1], list[i]) === 1) return false;
  return true;
}

function extreme(name: 'min' | 'max', prefer: 1 | -1) {
  return (list: unknown[]): unknown => {
    charge(list.length);
    if (list.length === 0) throw new EvaluationError({ code: 'invalid_argument', message: `${name} called on empty list` });
    let best = list[0];
    for (let i = 1; i < list.length; i++) if (celCompare(best, list[i]) === prefer) best = list[i];
    return best;
  };
}

function sum(zero: () => unknown) {
  return (list: unknown[]): unknown => {
    charge(list.length);
    if (list.length === 0) return zero();
    let total = list[0];
    for (let i = 1; i < list.length; i++) total = add(total, list[i]);
    return total;
  };
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const s = a + b;
    if (s > INT64_MAX || s < INT64_MIN) throw new EvaluationError({ code: 'numeric_overflow', message: 'integer overflow' });
    return s;
  }
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a instanceof Duration && b instanceof Duration) return a.addDuration(b);
  if (a instanceof UnsignedInt && b instanceof UnsignedInt) return new UnsignedInt(a.valueOf() + b.valueOf());
  throw new EvaluationError({ code: 'no_such_overload', message: 'no such overload: sum() needs a list of int, uint, double or duration' });
}

export function indexOf(list: unknown[], item: unknown): bigint {
  charge(list.length);
  for (let i = 0; i < list.length; i++) if (celEquals(list[i], item)) return BigInt(i);
  return -1n;
}

export function lastIndexOf(list: unknown[], item: unknown): bigint {
  charge(list.length);
  for (let i = list.length - 1; i >= 0; i--) if (celEquals(list[i], item)) return BigInt(i);
  return -1n;
}

const COMPARABLE = ['int', 'uint', 'double', 'bool', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'string', 'bytes'];

function perType(types: string[], make: (t: string) => [string, Implementation]): [string, Implementation][] {
  return types.map(make);
}

export const listsLibrary: CelLibrary = {
  name: 'kubernetes.lists',
  functions: [
    ...perType(COMPARABLE, (t) => [`list<${t}>.isSorted(): bool`, isSorted]),
    ['list<int>.sum(): int', sum(() => 0n)],
    ['list<double>.sum(): double', sum(() => 0)],
    ['list<uint>.sum(): uint', sum(() => new UnsignedInt(0n))],
    ['list<google.protobuf.Duration>.sum(): google.protobuf.Duration', sum(() => new Duration(0n))],
    ...perType(COMPARABLE, (t) => [`list<${t}>.min(): ${t}`, extreme('min', 1)]),
    ...perType(COMPARABLE, (t) => [`list<${t}>.max(): ${t}`, extreme('max', -1)]),
    ['list<A>.indexOf(A): int', indexOf],
    ['list<A>.lastIndexOf(A): int', lastIndexOf],
  ],
};
