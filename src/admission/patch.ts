/**
 * One RFC 6902 JSON patch per review, computed from the object as it arrived and the object after
 * every mutating policy ran.
 *
 * The diff itself is fast-json-patch's `compare`, which already gives what a webhook wants:
 * field-level operations (a changed leaf is one `replace`, a new key one `add`, never a replace of
 * the enclosing object), arrays patched by index (removals from the highest index down, additions
 * in ascending order, so the patch applies in sequence), JSON Pointer escaping of `~` and `/` as
 * `~0` and `~1`, and an order that depends only on the two objects' key order (deterministic for
 * a given input). What we add on top:
 *   - the fields the apiserver owns are never touched: operations on `status` and
 *     `metadata.resourceVersion` are dropped (checkMutatedObject reports such a change as a problem
 *     first, so the engine can apply the policy's failurePolicy rather than silently lose intent);
 *   - checkMutatedObject: the structural checks a mutated object must pass before it is diffed.
 *
 * Caller contract: `original` must not share mutable structure with what the policies changed
 * (clone the request object before running policies): `compare` skips sub-trees that are the
 * same reference, so an in-place change to a shared sub-object would go unnoticed.
 */
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from './types.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** createPatch was given something that cannot be diffed (not an object at the root). */
export class PatchError extends Error {
  readonly code = 'PATCH_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

const STATUS_POINTER = '/status';
const RESOURCE_VERSION_POINTER = '/metadata/resourceVersion';

/**
 * The minimal patch that turns `original` into `final`, minus any operation on `status` or
 * `metadata.resourceVersion`. Returns [] when nothing changed.
 */
export function createPatch(original: KubeObject, final: KubeObject): JsonPatchOperation[] {
  if (!isPlainObject(original) || !isPlainObject(final)) {
    throw new PatchError('createPatch needs two objects (the review object before and after mutation)');
  }
  if (original === final) return [];
  const ops = jsonpatch.compare(original, final) as JsonPatchOperation[];
  const kept: JsonPatchOperation[] = [];
  for (const op of ops) {
    if (op.path === STATUS_POINTER || op.path.startsWith(STATUS_POINTER + '/')) continue;
    if (op.path === RESOURCE_VERSION_POINTER) continue;
    if (op.path === '/metadata' && (op.op === 'add' || op.op === 'replace')) {
      // metadata added where there was none (or of another type): keep the apiserver's resourceVersion
      kept.push({ ...op, value: withResourceVersionOf(op.value, original.metadata) });
      continue;
    }
    kept.push(op);
  }
  return kept;
}

/**
 * A deep copy of a JSON value (what the engine hands each review's mutating policies as their
 * working object). Several times faster than structuredClone for plain JSON, which is all a
 * review carries.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    const item = cloneJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}

/** The `patch` field of an AdmissionResponse: base64 of the JSON array. */
export function encodePatch(ops: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
}

/**
 * What is wrong with a mutation's result, or undefined when it may be diffed and sent.
 * Problems: a result that is not a JSON object; values JSON cannot carry (functions, bigint,
 * NaN/Infinity, undefined in a list, class instances, cycles); a field whose JSON type changed
 * (e.g. an object that became a string; null in either direction is allowed, it means "unset");
 * labels or annotations that are not strings; and changes to what identifies the object or what
 * the apiserver owns (apiVersion, kind, metadata.name, metadata.namespace,
 * metadata.resourceVersion, status).
 */
export function checkMutatedObject(original: KubeObject, final: unknown): string | undefined {
  if (!isPlainObject(final)) {
    return `mutation result must be an object, got ${describeType(final)}`;
  }
  for (const field of ['apiVersion', 'kind'] as const) {
    if (!jsonEqual(original[field], final[field])) return changedMessage(field, original[field], final[field]);
  }
  const before = isPlainObject(original.metadata) ? original.metadata : {};
  const after = final.metadata;
  if (after !== undefined && !isPlainObject(after)) {
    return `mutation changed the type of metadata (object -> ${describeType(after)})`;
  }
  const afterMeta = after ?? {};
  for (const field of ['name', 'namespace', 'resourceVersion'] as const) {
    if (!jsonEqual(before[field], afterMeta[field])) {
      return changedMessage(`metadata.${field}`, before[field], afterMeta[field]);
    }
  }
  if (!jsonEqual(original.status, final.status)) {
    return 'mutation must not change status (the apiserver owns it)';
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = afterMeta[field];
    if (map === undefined || map === null) continue;
    if (!isPlainObject(map)) return `metadata.${field} must be an object of strings, got ${describeType(map)}`;
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'string' && value !== undefined) {
        return `${formatPath(`metadata.${field}`, key)} must be a string, got ${describeType(value)}`;
      }
    }
  }
  return walk(original, final, [], new Set());
}

/**
 * Depth-first check of `after` (with the matching part of `before`, when there is one). The path
 * is kept as a stack of keys and only turned into text when there is a problem to report: this
 * runs on every mutated review.
 */
function walk(before: unknown, after: unknown, keys: (string | number)[], ancestors: Set<object>): string | undefined {
  if (after === null || typeof after === 'string' || typeof after === 'boolean') {
    return typeMismatch(before, after, keys);
  }
  if (typeof after === 'number') {
    if (!Number.isFinite(after)) return `mutation produced a non-finite number at ${pathText(keys)}`;
    return typeMismatch(before, after, keys);
  }
  if (typeof after !== 'object') {
    return `mutation produced a value JSON cannot carry at ${pathText(keys)} (${describeType(after)})`;
  }
  if (ancestors.has(after)) return `mutation produced a cycle at ${pathText(keys)}`;
  if (Array.isArray(after)) {
    const mismatch = typeMismatch(before, after, keys);
    if (mismatch) return mismatch;
    const beforeList = Array.isArray(before) ? before : [];
    ancestors.add(after);
    for (let i = 0; i < after.length; i++) {
      const item: unknown = after[i];
      keys.push(i);
      const problem =
        item === undefined
          ? `mutation produced an undefined list item at ${pathText(keys)}`
          : walk(beforeList[i], item, keys, ancestors);
      keys.pop();
      if (problem) return problem;
    }
    ancestors.delete(after);
    return undefined;
  }
  if (!isPlainObject(after)) {
    return `mutation produced a value JSON cannot carry at ${pathText(keys)} (${describeType(after)})`;
  }
  const mismatch = typeMismatch(before, after, keys);
  if (mismatch) return mismatch;
  const beforeMap = isPlainObject(before) ? before : undefined;
  ancestors.add(after);
  for (const key in after) {
    const value = after[key];
    if (value === undefined) continue; // an undefined property is simply absent in JSON
    keys.push(key);
    const problem = walk(beforeMap?.[key], value, keys, ancestors);
    keys.pop();
    if (problem) return problem;
  }
  ancestors.delete(after);
  return undefined;
}

function typeMismatch(before: unknown, after: unknown, keys: (string | number)[]): string | undefined {
  if (before === undefined || before === null || after === null) return undefined;
  const was = jsonType(before);
  const now = jsonType(after);
  return was === now ? undefined : `mutation changed the type of ${pathText(keys)} (${was} -> ${now})`;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name && name !== 'Object' ? name : 'object';
  }
  return typeof value;
}

function changedMessage(field: string, from: unknown, to: unknown): string {
  return `mutation must not change ${field} (from ${JSON.stringify(from) ?? 'unset'} to ${JSON.stringify(to) ?? 'unset'})`;
}

/** Field paths as the rest of portcullis writes them: spec.containers[0].name, metadata.labels["a/b"]. */
function formatPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function pathText(keys: (string | number)[]): string {
  let path = '';
  for (const key of keys) path = typeof key === 'number' ? `${path}[${key}]` : formatPath(path, key);
  return path;
}

function withResourceVersionOf(value: unknown, originalMetadata: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = { ...value };
  const rv = isPlainObject(originalMetadata) ? originalMetadata.resourceVersion : undefined;
  if (rv === undefined) delete copy.resourceVersion;
  else copy.resourceVersion = rv;
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return jsonpatch._areEquals(a, b);
}
