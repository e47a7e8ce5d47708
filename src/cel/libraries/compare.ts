/**
 * CEL ordering and equality over engine values, for library functions that compare elements
 * (lists.isSorted/min/max/indexOf). Numbers compare across int/uint/double as CEL specifies.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';

function numeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  if (value instanceof UnsignedInt) return value.valueOf();
  return undefined;
}

function compareNumbers(a: number | bigint, b: number | bigint): -1 | 0 | 1 {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  // mixed int/double: compare exactly where possible
  if (typeof a === 'number' && Number.isNaN(a)) return 1;
  if (typeof b === 'number' && Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Total order for comparable CEL values; throws no_such_overload for others or mixed kinds. */
export function celCompare(a: unknown, b: unknown): -1 | 0 | 1 {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (a instanceof Date && b instanceof Date) return compareNumbers(a.getTime(), b.getTime());
  if (isDuration(a) && isDuration(b)) {
    const bySeconds = compareNumbers(a.seconds, b.seconds);
    return bySeconds !== 0 ? bySeconds : compareNumbers(a.nanos, b.nanos);
  }
  const ca = a as { compare?: (other: unknown) => -1 | 0 | 1 } | null;
  if (ca && typeof ca.compare === 'function' && b !== null && typeof b === 'object' && a?.constructor === b.constructor) {
    return ca.compare(b);
  }
  throw new EvaluationError({ code: 'no_such_overload', message: `no such overload: cannot compare ${kind(a)} with ${kind(b)}` });
}

function isDuration(v: unknown): v is Duration {
  return v instanceof Duration;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return v.constructor?.name ?? 'map';
  return typeof v;
}

/** CEL equality (heterogeneous numbers equal by value; lists and maps by content). */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb) === 0 && !(typeof na === 'number' && Number.isNaN(na));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => celEquals(x, b[i]));
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b) === 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map || b instanceof Map) {
    const ea = a instanceof Map ? [...a.entries()] : Object.entries(a);
    const mb = b instanceof Map ? b : new Map(Object.entries(b));
    return ea.length === mb.size && ea.every(([k, v]) => mb.has(k) && celEquals(v, mb.get(k)));
  }
  const proto = Object.getPrototypeOf(a) as object | null;
  if (proto === null || proto === Object.prototype) {
    const ka = Object.keys(a);
    const ob = b as Record<string, unknown>;
    if (ka.length !== Object.keys(ob).length) return false;
    return ka.every((k) => Object.hasOwn(ob, k) && celEquals((a as Record<string, unknown>)[k], ob[k]));
  }
  try {
    return celCompare(a, b) === 0;
  } catch {
    return false;
  }
}
