/**
 * JSONPatch mutations: the list a `jsonPatch.expression` returns, checked operation by operation
 * and applied with fast-json-patch, with the apiserver's semantics:
 *   - operations apply in order to the object as the previous mutations left it;
 *   - a failing `test` operation cancels the whole patch without error (the object is unchanged);
 *   - any other failure (a path that does not resolve, a remove of a missing key, a malformed
 *     operation) is an error, handled by the policy's failurePolicy.
 */
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../admission/types.js';
import { cloneJson, type JsonPatchOperation } from '../admission/patch.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export class JsonPatchMutationError extends Error {
  readonly code = 'MAP_JSONPATCH';
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchMutationError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

/** The operations a JSONPatch expression returned, or an error naming the first bad one. */
export function readJsonPatch(result: unknown): JsonPatchOperation[] {
  if (!Array.isArray(result)) {
    throw new JsonPatchMutationError(`the expression must return a list of JSONPatch, got ${describe(result)}`);
  }
  return result.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new JsonPatchMutationError(`item ${i} must be a JSONPatch, got ${describe(item)}`);
    }
    const op = (item as Record<string, unknown>).op;
    const path = (item as Record<string, unknown>).path;
    const from = (item as Record<string, unknown>).from;
    const hasValue = Object.hasOwn(item, 'value');
    if (typeof op !== 'string' || !OPS.has(op)) {
      throw new JsonPatchMutationError(`item ${i}: op must be one of add, remove, replace, move, copy, test; got ${JSON.stringify(op)}`);
    }
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
      throw new JsonPatchMutationError(`item ${i} (${op}): path must be a JSON pointer such as "/spec/replicas", got ${JSON.stringify(path)}`);
    }
    if (op === 'move' || op === 'copy') {
      if (typeof from !== 'string' || (from !== '' && !from.startsWith('/'))) {
        throw new JsonPatchMutationError(`item ${i} (${op} ${path}): from must be a JSON pointer, got ${JSON.stringify(from)}`);
      }
      return { op, from, path };
    }
    if (op === 'remove') return { op, path };
    if (!hasValue) throw new JsonPatchMutationError(`item ${i} (${op} ${path}): value is required`);
    return { op, path, value: (item as Record<string, unknown>).value } as JsonPatchOperation;
  });
}

/** The object after the operations (a new object; `object` is not changed). */
export function applyJsonPatch(object: KubeObject, ops: JsonPatchOperation[]): KubeObject {
  let document: unknown = cloneJson(object);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    try {
      document = jsonpatch.applyOperation(document, op as jsonpatch.Operation, true, true, true, i).newDocument;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TEST_OPERATION_FAILED') return object;
      const where = `item ${i} (${op.op} ${op.path})`;
      throw new JsonPatchMutationError(`${where}: ${reason(error)}`);
    }
  }
  return document as KubeObject;
}

/** fast-json-patch's message without the operation dump it appends. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
