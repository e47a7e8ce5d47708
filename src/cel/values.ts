/**
 * Conversion between plain JSON values (what the admission request carries) and the values the
 * CEL engine works on, and back.
 *
 * JSON has one number type; CEL has int and double. The kube-apiserver decides by the OpenAPI
 * schema; without schemas we decide by value: a whole number becomes a CEL int (bigint), so
 * `object.spec.replicas + 1` and `replicas == 3` behave as in the apiserver, and any other number
 * becomes a double. Objects are copied key by key; a `__proto__` key stays an own data property.
 * The engine reads own properties only, so `constructor` and friends are never visible.
 */
import { Optional } from '@marcbachmann/cel-js';

/**
 * Converted values per input object. One admission review is evaluated by many policies, each
 * with its own activation; they share the conversion of the same `object`. CEL never mutates its
 * inputs, so sharing is safe as long as callers treat the JSON they pass as immutable (a mutated
 * object must be a new object: the mutation engine works on copies).
 */
const converted = new WeakMap<object, unknown>();

const INT64_LIMIT = 2 ** 63;

export function jsonToCel(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return convert(value);
  const hit = converted.get(value);
  if (hit !== undefined) return hit;
  const result = convert(value);
  converted.set(value, result);
  return result;
}

function convert(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      // whole numbers outside int64 stay doubles (an int there would be out of range)
      return Number.isInteger(value) && value < INT64_LIMIT && value >= -INT64_LIMIT ? BigInt(value) : value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = convert(value[i]);
        return out;
      }
      // plain objects (fast in V8, unlike prototype-less ones); the engine reads only own keys
      const out: Record<string, unknown> = {};
      const source = value as Record<string, unknown>;
      for (const key in source) {
        if (!Object.hasOwn(source, key)) continue;
        const v = source[key];
        if (v === undefined) continue;
        if (key === '__proto__') Object.defineProperty(out, key, { value: convert(v), enumerable: true, writable: true, configurable: true });
        else out[key] = convert(v);
      }
      return out;
    }
    case 'undefined':
      return null;
    default:
      return value;
  }
}

/** A value with a canonical text form (Quantity, URL, IP, CIDR...) converts to that text. */
interface HasCelString {
  toCelString(): string;
}

function hasCelString(value: object): value is HasCelString {
  return typeof (value as Partial<HasCelString>).toCelString === 'function';
}

/**
 * CEL result -> plain JSON-like JS value.
 * - int/uint: a JS number when it is a safe integer, else its decimal string (no silent rounding);
 * - bytes: base64 string; timestamp: RFC 3339 string; duration: `1h2m3s`-style string as cel-go;
 * - optional: its value, or null when empty; types: the type name;
 * - Kubernetes library values (quantity, URL, IP, CIDR): their canonical string.
 */
export function celToJson(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(celToJson);
      if (value instanceof Optional) return value.hasValue() ? celToJson(value.value()) : null;
      if (value instanceof Map) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of value) out[String(celToJson(k))] = celToJson(v);
        return out;
      }
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Set) return [...value].map(celToJson);
      if (hasCelString(value)) return value.toCelString();
      const proto = Object.getPrototypeOf(value) as object | null;
      if (proto === null || proto === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) out[key] = celToJson((value as Record<string, unknown>)[key]);
        return out;
      }
      // UnsignedInt, Duration, Type and other library values print as CEL prints them
      const text = String(value);
      if (/^\d+$/.test(text)) return celToJson(BigInt(text));
      return text;
    }
    default:
      return value;
  }
}
