/**
 * Conversion between plain JSON values (what the admission request carries) and the values the
 * CEL engine works on, and back.
 *
 * JSON has one number type; CEL has int and double. The kube-apiserver decides by the OpenAPI
 * schema; without schemas we decide by value: a whole number becomes a CEL int (bigint), so
 * `object.spec.replicas + 1` and `replicas == 3` behave as in the apiserver, and any other number
 * becomes a double. Objects and lists are copied only where something below them changes; a
 * `__proto__` key stays an own data property. The engine reads own properties only, so
 * `constructor` and friends are never visible.
 */
import { Optional } from '@marcbachmann/cel-js';

const INT64_LIMIT = 2 ** 63;

/**
 * Converts a JSON value for the engine. `shared` memoises the conversion of objects: one admission
 * review is evaluated by many policies, each with its own activation, and they share the
 * conversion of the same `object` through a map that lives as long as the review. (Not a
 * module-level WeakMap: V8's young-generation collector keeps WeakMap entries whose keys are young
 * alive, so every review's object and its conversion were promoted to the old generation, which
 * made each scavenge copy megabytes and cost tens of milliseconds under load.) CEL never mutates
 * its inputs, so sharing is safe as long as callers treat the JSON they pass as immutable (a
 * mutated object must be a new object: the mutation engine works on copies).
 */
export function jsonToCel(value: unknown, shared?: Map<object, unknown>): unknown {
  if (shared === undefined || typeof value !== 'object' || value === null) return convert(value);
  const hit = shared.get(value);
  if (hit !== undefined) return hit;
  const result = convert(value);
  shared.set(value, result);
  return result;
}

function convert(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      // whole numbers outside int64 stay doubles (an int there would be out of range)
      return Number.isInteger(value) && value < INT64_LIMIT && value >= -INT64_LIMIT ? BigInt(value) : value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return convertList(value);
      // engine values (Optional, Quantity...) in a list or map built by the fast path stay as they are
      const proto = Object.getPrototypeOf(value) as unknown;
      return proto === Object.prototype || proto === null ? convertMap(value as Record<string, unknown>) : value;
    }
    case 'undefined':
      return null;
    default:
      return value;
  }
}

/*
 * Copy on need: a list or map whose members all convert to themselves (no numbers anywhere below,
 * no undefined) is returned as it is. Labels, annotations, env, volume mounts and most of
 * metadata hold only strings and booleans, so a review copies a fraction of its object, which is
 * the bulk of the conversion's cost.
 */
function convertList(list: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const converted = convert(item);
    if (out !== undefined) out[i] = converted;
    else if (converted !== item) {
      out = list.slice(0, i);
      out[i] = converted;
    }
  }
  return out ?? list;
}

function convertMap(source: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  // for-in rather than Object.keys: no key array per map (own keys only: inherited ones are skipped)
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const v = source[key];
    const converted = v === undefined ? undefined : convert(v);
    if (out === undefined) {
      if (converted === v) continue;
      // first change: copy the keys before this one (none of them changed)
      out = {};
      for (const earlier in source) {
        if (earlier === key) break;
        if (Object.hasOwn(source, earlier)) setOwn(out, earlier, source[earlier]);
      }
    }
    if (converted !== undefined) setOwn(out, key, converted);
  }
  return out ?? source;
}

/** `__proto__` from JSON is an own data property; plain assignment would set the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
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
