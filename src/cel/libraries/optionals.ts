/**
 * Optional values as cel-go's OptionalTypes offers them to Kubernetes expressions. The engine
 * (with enableOptionalTypes) provides `?.`, `[?]`, `{?k: v}`, `[?x]`, optional.of/none,
 * hasValue, value, or, orValue. Added here: optional.ofNonZeroValue.
 * Not offered (engine limitation, documented): optMap / optFlatMap macros.
 */
import { Optional } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import type { CelLibrary } from './library.js';

/** The zero value of each CEL type (cel-go's IsZeroValue). */
export function isZeroValue(v: unknown): boolean {
  if (v === null || v === false || v === '' || v === 0n || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof UnsignedInt) return v.valueOf() === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Duration) return v.seconds === 0n && v.nanos === 0;
  if (v instanceof Date) return v.getTime() === 0;
  if (v instanceof Map) return v.size === 0;
  if (v instanceof Optional) return false;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto === null || proto === Object.prototype) return Object.keys(v).length === 0;
  }
  return false;
}

export const optionalsLibrary: CelLibrary = {
  name: 'optionals',
  functions: [
    ['OptionalNamespace.ofNonZeroValue(A): optional<A>', (_ns: unknown, v: unknown) => (isZeroValue(v) ? Optional.none() : Optional.of(v))],
  ],
};
