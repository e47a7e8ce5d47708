/**
 * A fast path for CEL evaluation: the checked AST of an expression compiled into JS closures, for
 * the constructs admission policies use most (field selection, has(), comprehensions, logic,
 * comparisons of strings/ints/bools, string methods, the Kubernetes library functions).
 *
 * The engine stays the authority. The fast path only answers when the evaluation is the plain
 * case; on anything else (an error, a type it does not handle, an int overflow, a list `+` whose
 * element types it cannot vouch for) it gives up with FAST_PATH_MISS and the caller evaluates the
 * expression with the engine, which yields the exact value or error. CEL is free of side effects,
 * so evaluating again is safe. The fast path charges the budget the same units as the
 * instrumented engine (one per call and per comprehension step, plus what library functions
 * charge themselves), so an expression that runs out of budget does so on both paths.
 *
 * It reads the review's JSON as it is, without the up-front conversion the engine needs (which
 * copies every map holding a number): a JSON number becomes a CEL int or double where it is read.
 * Lists and maps it returns may still hold JSON numbers inside; the caller converts what it hands
 * on to the engine (see Program and LazyVariables in environment.ts).
 *
 * An expression using a construct outside this set is not compiled at all (compileFast returns
 * undefined) and always runs on the engine.
 */
import { Optional } from '@marcbachmann/cel-js';
import type { EngineNode } from './ast.js';
import { METHOD_OVERRIDES, NO_OVERLOAD } from './ast.js';
import { charge } from './budget.js';
import { ALL_LIBRARIES } from './libraries/index.js';
import type { Implementation } from './libraries/library.js';

/** Thrown (one shared instance, no stack to capture) when the fast path cannot answer. */
export const FAST_PATH_MISS: unique symbol = Symbol('fast path miss');

function miss(): never {
  throw FAST_PATH_MISS;
}

/** Thrown at compile time for a construct the fast path does not handle. */
const UNSUPPORTED = Symbol('unsupported');

function unsupported(): never {
  throw UNSUPPORTED;
}

/** Where the fast path reads top-level variables (object, request, variables...): as given, unconverted. */
export interface FastRoots {
  fastRoot(name: string): unknown;
}

/**
 * A Map of variables that evaluates lazily offers this method for the fast path: the value as
 * computed, before any conversion the engine would need.
 */
export const READ_AS_COMPUTED: unique symbol = Symbol('read as computed');

interface VariablesReader {
  [READ_AS_COMPUTED](name: string): unknown;
}

interface Frame {
  readonly root: FastRoots;
  /** comprehension variables and accumulators, by slot */
  readonly slots: unknown[];
}

type Compiled = (frame: Frame) => unknown;

export type FastProgram = (roots: FastRoots) => unknown;

const hasOwn = Object.hasOwn;

function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  return ctor === Object || ctor === undefined;
}

const INT64_LIMIT = 2 ** 63;

/**
 * A value as the engine would hold it: a JSON number is an int when whole (and in int64 range),
 * else a double, as jsonToCel converts it. Lists and maps pass as they are; other objects are the
 * engine's business, as is `undefined` (a key the conversion would drop).
 */
function leaf(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && value < INT64_LIMIT && value >= -INT64_LIMIT ? BigInt(value) : value;
    case 'undefined':
      return miss();
    case 'object': {
      if (value === null) return value;
      const ctor = (value as { constructor?: unknown }).constructor;
      if (ctor === Object || ctor === Array || ctor === Map || ctor === undefined) return value;
      return value instanceof Optional ? value : miss();
    }
    default:
      return value;
  }
}

function isVariablesReader(value: object): value is VariablesReader & object {
  return typeof (value as Partial<VariablesReader>)[READ_AS_COMPUTED] === 'function';
}

/** Map.get, or the variables' value as computed. */
function mapGet(map: Map<unknown, unknown>, key: string): unknown {
  return isVariablesReader(map) ? map[READ_AS_COMPUTED](key) : map.get(key);
}

/** `left.name` as the engine reads a map field; absent -> miss (the engine errors). */
function select(left: unknown, name: string): unknown {
  if (isPlainMap(left)) return leaf(hasOwn(left, name) ? left[name] : undefined);
  if (left instanceof Map && (left.constructor as unknown) === Map) return leaf(mapGet(left, name));
  return miss();
}

/** `left.?name`: an Optional of the field, none when absent. */
function optionalSelect(left: unknown, name: string): Optional {
  let target = left;
  if (target instanceof Optional) {
    if (!target.hasValue()) return Optional.none();
    target = target.value();
  }
  if (isPlainMap(target)) return hasOwn(target, name) && target[name] !== undefined ? Optional.of(leaf(target[name])) : Optional.none();
  if (target instanceof Map && (target.constructor as unknown) === Map) {
    const value = mapGet(target, name);
    return value === undefined ? Optional.none() : Optional.of(leaf(value));
  }
  return miss();
}

/** has(left.name) on a map. */
function hasField(left: unknown, name: string): boolean {
  if (isPlainMap(left)) return hasOwn(left, name) && left[name] !== undefined;
  if (left instanceof Map && (left.constructor as unknown) === Map) return mapGet(left, name) !== undefined;
  return miss();
}

function bool(value: unknown): boolean {
  return typeof value === 'boolean' ? value : miss();
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int64(value: bigint): bigint {
  return value < INT64_MIN || value > INT64_MAX ? miss() : value;
}

/** Equality where both sides have one simple type; anything else (heterogeneous, aggregates) is the engine's. */
function equals(a: unknown, b: unknown): boolean {
  const type = typeof a;
  if (type !== typeof b || (type !== 'string' && type !== 'bigint' && type !== 'boolean')) miss();
  return a === b;
}

/**
 * The engine's runtime type of a value as its list `+` overload sees it: the first element
 * decides (list<first>, map<first key, first value>), empty collections are dyn. Undefined for a
 * JS number (in a list the fast path built it may be a JSON number or an engine double) and for
 * values the fast path does not type.
 */
function deepType(value: unknown): string | undefined {
  if (typeof value === 'number') return undefined;
  if (Array.isArray(value)) return value.length === 0 ? 'list<dyn>' : `list<${deepType(value[0])}>`;
  if (isPlainMap(value)) {
    for (const key in value) if (hasOwn(value, key) && value[key] !== undefined) return `map<string, ${deepType(value[key])}>`;
    return 'map<dyn, dyn>';
  }
  return typeName(value);
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return int64(a + b);
  if (Array.isArray(a) && Array.isArray(b)) {
    // the engine's `list<V> + list<V>` needs element types that unify; vouch only for the plain cases
    if (a.length > 0 && b.length > 0) {
      const left = deepType(a);
      if (left === undefined || left.includes('undefined') || left !== deepType(b)) miss();
    }
    return [...a, ...b];
  }
  return miss();
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const type = typeof a;
  if (type !== typeof b || (type !== 'string' && type !== 'bigint')) miss();
  const x = a as string | bigint;
  const y = b as string | bigint;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** `a in b` for a string key in a map, or a string/int/bool in a list of that same type. */
function contains(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && isPlainMap(b)) return hasOwn(b, a) && b[a] !== undefined;
  if (Array.isArray(b)) {
    const type = typeof a;
    if (type !== 'string' && type !== 'bigint' && type !== 'boolean') miss();
    for (const item of b) if (typeof item !== type) miss();
    return b.includes(a);
  }
  return miss();
}

function index(container: unknown, key: unknown): unknown {
  if (Array.isArray(container) && typeof key === 'bigint') {
    if (key < 0n || key >= BigInt(container.length)) miss();
    return leaf(container[Number(key)]);
  }
  if (typeof key === 'string' && isPlainMap(container)) return leaf(hasOwn(container, key) ? container[key] : undefined);
  return miss();
}

function codePoints(s: string): number {
  let count = 0;
  for (const _ of s) count++;
  return count;
}

function size(value: unknown): bigint {
  if (typeof value === 'string') return BigInt(codePoints(value));
  if (Array.isArray(value)) return BigInt(value.length);
  if (isPlainMap(value)) return BigInt(definedKeys(value).length);
  return miss();
}

/** The keys the engine's copy of a map has (conversion drops undefined values). */
function definedKeys(map: Record<string, unknown>): string[] {
  const keys = Object.keys(map);
  for (const key of keys) if (map[key] === undefined) return keys.filter((k) => map[k] !== undefined);
  return keys;
}


/**
 * A function the fast path can call: its name, whether it is a method, and the types of its
 * operands (the receiver first, for a method).
 */
interface Overload {
  readonly name: string;
  readonly method: boolean;
  readonly operands: readonly string[];
  readonly impl: Implementation;
}

/** Engine built-ins the fast path implements itself. */
const BUILTINS: Overload[] = [
  { name: 'string', method: false, operands: ['string'], impl: (s: string) => s },
  { name: 'string', method: false, operands: ['int'], impl: (i: bigint) => `${i}` },
  { name: 'string', method: false, operands: ['bool'], impl: (b: boolean) => `${b}` },
  { name: 'contains', method: true, operands: ['string', 'string'], impl: (s: string, x: string) => s.includes(x) },
  { name: 'startsWith', method: true, operands: ['string', 'string'], impl: (s: string, x: string) => s.startsWith(x) },
  { name: 'endsWith', method: true, operands: ['string', 'string'], impl: (s: string, x: string) => s.endsWith(x) },
];

const SIMPLE_TYPES = ['string', 'int', 'double', 'bool', 'bytes', 'null'];

/** Library classes (Quantity, URL, IP...) by constructor, with their CEL type names. */
const libraryTypeNames = new Map<unknown, string>();
for (const library of ALL_LIBRARIES) for (const [name, ctor] of library.types ?? []) libraryTypeNames.set(ctor, name);

/** Library functions whose receiver and parameters all have simple or library types. */
const LIBRARY_FUNCTIONS: Overload[] = [];
const typedNames = new Set([...SIMPLE_TYPES, ...libraryTypeNames.values()]);
for (const library of ALL_LIBRARIES) {
  for (const [signature, impl] of library.functions) {
    const match = /^(?:([\w.]+)\.)?(\w+)\(([^)]*)\):/.exec(signature.replace(/\s+/g, ''));
    if (!match) continue;
    const receiver = match[1];
    const operands = [...(receiver === undefined ? [] : [receiver]), ...(match[3] === '' ? [] : match[3]!.split(','))];
    if (!operands.every((t) => typedNames.has(t))) continue;
    LIBRARY_FUNCTIONS.push({ name: match[2]!, method: receiver !== undefined, operands, impl });
  }
}

const OVERLOADS: readonly Overload[] = [...BUILTINS, ...LIBRARY_FUNCTIONS];

/** The runtime type name of a value for overload lookup; undefined: not one the fast path dispatches on. */
function typeName(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return 'bytes';
      return libraryTypeNames.get((value as { constructor?: unknown }).constructor);
    default:
      return undefined;
  }
}

/** Picks the overload for the operands' runtime types (one or two operands: no arrays built). */
function dispatch1(candidates: readonly Overload[], a: unknown): unknown {
  const ta = typeName(a);
  for (const candidate of candidates) if (candidate.operands[0] === ta) return candidate.impl(a);
  return miss();
}

function dispatch2(candidates: readonly Overload[], a: unknown, b: unknown): unknown {
  const ta = typeName(a);
  const tb = typeName(b);
  for (const candidate of candidates) if (candidate.operands[0] === ta && candidate.operands[1] === tb) return candidate.impl(a, b);
  return miss();
}

function dispatchN(candidates: readonly Overload[], values: unknown[]): unknown {
  const types = values.map(typeName);
  for (const candidate of candidates) if (candidate.operands.every((t, i) => t === types[i])) return candidate.impl(...values);
  return miss();
}

/** A call the fast path can make: its operands (receiver first) evaluated, dispatched on their runtime types. */
function compileCall(name: string, method: boolean, operands: Compiled[]): Compiled {
  const [first, second] = operands;
  const override = METHOD_OVERRIDES[name]?.[operands.length];
  if (override && (method || name === 'matches')) {
    return (frame) => {
      charge();
      const result = override(operands.map((operand) => operand(frame)));
      return result === NO_OVERLOAD ? miss() : result;
    };
  }
  if (name === 'size' && first !== undefined && operands.length === 1) {
    return (frame) => {
      charge();
      return size(first(frame));
    };
  }
  const candidates = OVERLOADS.filter((o) => o.name === name && o.method === method && o.operands.length === operands.length);
  if (candidates.length === 0) unsupported();
  if (operands.length === 1 && first !== undefined) {
    return (frame) => {
      charge();
      return dispatch1(candidates, first(frame));
    };
  }
  if (operands.length === 2 && first !== undefined && second !== undefined) {
    return (frame) => {
      charge();
      const a = first(frame);
      return dispatch2(candidates, a, second(frame));
    };
  }
  return (frame) => {
    charge();
    return dispatchN(
      candidates,
      operands.map((operand) => operand(frame)),
    );
  };
}

class Compiler {
  /** names bound by enclosing comprehensions, innermost last, with their slots */
  private readonly scope: { name: string; slot: number }[] = [];
  /** accumulator slots of the enclosing comprehensions, innermost last */
  private readonly accumulators: number[] = [];
  slots = 0;

  node(node: EngineNode): Compiled {
    const alternate = node.meta.alternate;
    if (alternate) {
      const inner = this.node(alternate);
      // the instrumented engine charges the call whose macro expansion this is
      if (node.op === 'call' || node.op === 'rcall') {
        return (frame) => {
          charge();
          return inner(frame);
        };
      }
      return inner;
    }
    switch (node.op) {
      case 'value': {
        const value = node.args;
        if (typeof value === 'object' && value !== null) unsupported();
        return () => value;
      }
      case 'id':
        return this.identifier(node.args as string);
      case 'list': {
        const items = (node.args as EngineNode[]).map((item) => this.node(item));
        return (frame) => items.map((item) => item(frame));
      }
      case '.': {
        const [target, name] = node.args as [EngineNode, string];
        const left = this.node(target);
        return (frame) => select(left(frame), name);
      }
      case '.?': {
        const [target, name] = node.args as [EngineNode, string];
        const left = this.node(target);
        return (frame) => optionalSelect(left(frame), name);
      }
      case '[]': {
        const [target, key] = node.args as [EngineNode, EngineNode];
        const left = this.node(target);
        const right = this.node(key);
        return (frame) => index(left(frame), right(frame));
      }
      case '?:': {
        const [condition, then, otherwise] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled, Compiled];
        return (frame) => (bool(condition(frame)) ? then(frame) : otherwise(frame));
      }
      case '!_': {
        const operand = this.node(node.args as EngineNode);
        return (frame) => !bool(operand(frame));
      }
      case '-_': {
        const operand = this.node(node.args as EngineNode);
        return (frame) => {
          const value = operand(frame);
          return typeof value === 'bigint' ? int64(-value) : miss();
        };
      }
      case '&&': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        return (frame) => bool(left(frame)) && bool(right(frame));
      }
      case '||': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        return (frame) => bool(left(frame)) || bool(right(frame));
      }
      case '==':
      case '!=': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        const negate = node.op === '!=';
        return (frame) => equals(left(frame), right(frame)) !== negate;
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        const op = node.op;
        return (frame) => compare(op, left(frame), right(frame));
      }
      case '+': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        return (frame) => add(left(frame), right(frame));
      }
      case 'in': {
        const [left, right] = (node.args as EngineNode[]).map((n) => this.node(n)) as [Compiled, Compiled];
        return (frame) => contains(left(frame), right(frame));
      }
      case 'call':
        return this.call(node);
      case 'rcall':
        return this.methodCall(node);
      case 'comprehension':
        return this.comprehension(node);
      case 'accuValue': {
        const slot = this.accumulator();
        return (frame) => frame.slots[slot];
      }
      case 'accuInc': {
        const slot = this.accumulator();
        return (frame) => ((frame.slots[slot] as number) += 1);
      }
      case 'accuPush': {
        const slot = this.accumulator();
        const item = this.node(node.args as EngineNode);
        return (frame) => {
          const list = frame.slots[slot] as unknown[];
          list.push(item(frame));
          return list;
        };
      }
      default:
        return unsupported();
    }
  }

  private identifier(name: string): Compiled {
    for (let i = this.scope.length - 1; i >= 0; i--) {
      const bound = this.scope[i]!;
      if (bound.name === name) {
        const slot = bound.slot;
        return (frame) => frame.slots[slot];
      }
    }
    return (frame) => leaf(frame.root.fastRoot(name));
  }

  private accumulator(): number {
    const slot = this.accumulators.at(-1);
    return slot === undefined ? unsupported() : slot;
  }

  private call(node: EngineNode): Compiled {
    const [name, argNodes] = node.args as [string, EngineNode[]];
    if (name === 'has') return this.has(argNodes);
    if (node.meta.macro) unsupported();
    return compileCall(name, false, argNodes.map((n) => this.node(n)));
  }

  /** has(a.b.c): every step but the last must exist (else the engine errors), the last is tested. */
  private has(argNodes: EngineNode[]): Compiled {
    const [select] = argNodes;
    if (argNodes.length !== 1 || select === undefined || select.op !== '.') unsupported();
    const [target, name] = select.args as [EngineNode, string];
    const left = this.node(target);
    return (frame) => {
      charge();
      return hasField(left(frame), name);
    };
  }

  private methodCall(node: EngineNode): Compiled {
    const [name, receiverNode, argNodes] = node.args as [string, EngineNode, EngineNode[]];
    const receiver = this.node(receiverNode);
    if (name === 'orValue' && argNodes.length === 1) {
      const fallback = this.node(argNodes[0]!);
      return (frame) => {
        charge();
        const optional = receiver(frame);
        if (!(optional instanceof Optional)) return miss();
        return optional.hasValue() ? optional.value() : fallback(frame);
      };
    }
    if (name === 'hasValue' && argNodes.length === 0) {
      return (frame) => {
        charge();
        const optional = receiver(frame);
        return optional instanceof Optional ? optional.hasValue() : miss();
      };
    }
    if (node.meta.macro) unsupported();
    return compileCall(name, true, [receiver, ...argNodes.map((n) => this.node(n))]);
  }

  private comprehension(node: EngineNode): Compiled {
    const args = node.args as Record<string, unknown>;
    const known = new Set(['kind', 'errorsAreFatal', 'iterable', 'iterVarName', 'init', 'condition', 'step', 'result', 'iterCtx']);
    if (Object.keys(args).some((key) => !known.has(key))) unsupported();
    const quantifier = args.errorsAreFatal !== true;
    const condition = args.condition as ((accu: unknown) => boolean) | undefined;
    const result = args.result as (accu: unknown) => unknown;
    if (quantifier && typeof condition !== 'function') unsupported();
    const iterable = this.node(args.iterable as EngineNode);
    const init = this.node(args.init as EngineNode);
    const itemSlot = this.slots++;
    const accuSlot = this.slots++;
    this.scope.push({ name: args.iterVarName as string, slot: itemSlot });
    this.accumulators.push(accuSlot);
    const step = this.node(args.step as EngineNode);
    this.scope.pop();
    this.accumulators.pop();
    return (frame) => {
      const range = iterable(frame);
      let items: readonly unknown[];
      if (Array.isArray(range)) items = range;
      else if (isPlainMap(range)) items = definedKeys(range);
      else return miss();
      const slots = frame.slots;
      let accu = init(frame);
      for (let i = 0; i < items.length; i++) {
        if (condition && !condition(accu)) break;
        slots[accuSlot] = accu;
        slots[itemSlot] = leaf(items[i]);
        // the instrumented engine charges each step
        charge();
        accu = step(frame);
      }
      return result(accu);
    };
  }
}

/** The fast path of an expression, or undefined when it uses a construct the fast path lacks. */
export function compileFast(root: EngineNode): FastProgram | undefined {
  const compiler = new Compiler();
  let compiled: Compiled;
  try {
    compiled = compiler.node(root);
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
  const slotCount = compiler.slots;
  return (roots) => compiled({ root: roots, slots: slotCount === 0 ? [] : new Array<unknown>(slotCount) });
}
