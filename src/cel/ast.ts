/**
 * Compile-time passes over the engine's checked AST.
 *
 * @marcbachmann/cel-js evaluates an expression by calling `node.evaluate(ev, node, ctx)` on each
 * AST node; a node's `evaluate` is an own, writable property once set. We use that documented-by-
 * source seam (pinned library version 8.0.0; `assertEngineShape` fails loudly if it changes) to:
 *  - replace the built-in `matches` (JS RegExp: ReDoS-prone, no RE2 syntax) by RE2, and a few
 *    string methods whose engine semantics differ from cel-go's (METHOD_OVERRIDES);
 *  - charge the evaluation budget on every comprehension step and every function call.
 * Doing this per compiled expression keeps the library unpatched and the global engine untouched.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { charge } from './budget.js';
import { indexOf as listIndexOf, lastIndexOf as listLastIndexOf } from './libraries/lists.js';
import { lowerAscii, stringIndexOf, stringLastIndexOf, substring, trim, upperAscii } from './libraries/strings.js';
import { re2Matches } from './re2.js';

/** Returned by an override when the operand types are not its own: "no matching overload". */
export const NO_OVERLOAD = Symbol('no overload');

export type Override = (values: unknown[]) => unknown;

const str = (v: unknown): v is string => typeof v === 'string';
const int = (v: unknown): v is bigint => typeof v === 'bigint';

/**
 * Built-in methods whose engine implementation differs from cel-go's and which cannot be
 * re-declared (the engine rejects overlapping overloads): name -> operand count (receiver
 * included) -> implementation on the evaluated operands.
 */
export const METHOD_OVERRIDES: Record<string, Record<number, Override>> = {
  // RE2 instead of JS RegExp
  matches: { 2: ([s, re]) => (str(s) && str(re) ? re2Matches(s, re) : NO_OVERLOAD) },
  // ASCII only, and Go's notion of white space
  lowerAscii: { 1: ([s]) => (str(s) ? lowerAscii(s) : NO_OVERLOAD) },
  upperAscii: { 1: ([s]) => (str(s) ? upperAscii(s) : NO_OVERLOAD) },
  trim: { 1: ([s]) => (str(s) ? trim(s) : NO_OVERLOAD) },
  // code points, not UTF-16 units; the list forms belong to the Kubernetes lists library
  indexOf: {
    2: ([s, x]) => (str(s) && str(x) ? stringIndexOf(s, x) : Array.isArray(s) ? listIndexOf(s, x) : NO_OVERLOAD),
    3: ([s, x, from]) => (str(s) && str(x) && int(from) ? stringIndexOf(s, x, from) : NO_OVERLOAD),
  },
  lastIndexOf: {
    2: ([s, x]) => (str(s) && str(x) ? stringLastIndexOf(s, x) : Array.isArray(s) ? listLastIndexOf(s, x) : NO_OVERLOAD),
    3: ([s, x, from]) => (str(s) && str(x) && int(from) ? stringLastIndexOf(s, x, from) : NO_OVERLOAD),
  },
  substring: {
    2: ([s, start]) => (str(s) && int(start) ? substring(s, start) : NO_OVERLOAD),
    3: ([s, start, end]) => (str(s) && int(start) && int(end) ? substring(s, start, end) : NO_OVERLOAD),
  },
};

type EvaluateFn = (ev: Evaluator, ast: EngineNode, ctx: unknown) => unknown;

interface Evaluator {
  run(ast: EngineNode, ctx: unknown): unknown;
}

export interface EngineNode {
  op: string;
  args: unknown;
  pos: number;
  start: number;
  end: number;
  readonly meta: { alternate?: EngineNode; macro?: Record<string, unknown>; evaluate?: EvaluateFn };
  evaluate: EvaluateFn;
}

let nodeClass: (new (...args: never[]) => unknown) | undefined;

/** Checks, once, that the engine's AST looks as this module expects. */
export function assertEngineShape(sample: unknown): void {
  const node = sample as Partial<EngineNode> | null;
  const ok =
    node !== null &&
    typeof node === 'object' &&
    typeof node.op === 'string' &&
    typeof node.pos === 'number' &&
    typeof node.meta === 'object' &&
    typeof node.evaluate === 'function';
  if (!ok) {
    throw new Error('@marcbachmann/cel-js AST has an unexpected shape: portcullis needs version 8.0.0 (pinned in package.json)');
  }
  nodeClass ??= (Object.getPrototypeOf(node) as { constructor: new (...args: never[]) => unknown }).constructor;
}

function isNode(value: unknown): value is EngineNode {
  return nodeClass !== undefined && value instanceof nodeClass;
}

/** Visits every node once, including macro expansions (`meta.alternate`) and macro operands. */
export function walk(root: EngineNode, visit: (node: EngineNode) => void): void {
  const seen = new Set<EngineNode>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
      continue;
    }
    if (!isNode(item) || seen.has(item)) continue;
    seen.add(item);
    visit(item);
    const meta = item.meta;
    if (meta.alternate) stack.push(meta.alternate);
    if (meta.macro) for (const value of Object.values(meta.macro)) stack.push(value);
    const args = item.args;
    if (item.op === 'comprehension') {
      const c = args as { iterable?: unknown; init?: unknown; step?: unknown };
      stack.push(c.iterable, c.init, c.step);
    } else if (Array.isArray(args) || isNode(args)) {
      stack.push(args);
    }
  }
}

/** The evaluate function a node would use on its own (before we wrap it). */
function innerEvaluate(node: EngineNode): EvaluateFn {
  const meta = node.meta;
  const alternate = meta.alternate;
  if (alternate) return (ev, _ast, ctx) => alternate.evaluate(ev, alternate, ctx);
  const macro = meta.macro as { evaluate?: (ev: Evaluator, macro: unknown, ctx: unknown) => unknown } | undefined;
  if (macro?.evaluate) {
    const run = macro.evaluate;
    return (ev, _ast, ctx) => run.call(macro, ev, macro, ctx);
  }
  const own = node.evaluate;
  // a node not yet evaluated still has the prototype's lazy dispatcher; use the meta hook
  const base = meta.evaluate ?? own;
  return (ev, ast, ctx) => base.call(node, ev, ast, ctx);
}

function attach(error: unknown, node: EngineNode): unknown {
  if (error instanceof EvaluationError) return error.withAst(node as never);
  return error;
}

function noOverload(name: string, types: string[]): EvaluationError {
  return new EvaluationError({ code: 'no_matching_overload', message: `found no matching overload for '${name}' applied to '(${types.join(', ')})'` });
}

function celTypeName(value: unknown): string {
  if (value === null) return 'null_type';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

/** Evaluates an overridden method: `s.name(args)` or, for matches, `matches(s, re)`. */
function overriddenMethod(node: EngineNode, name: string, operands: EngineNode[]): EvaluateFn {
  const override = METHOD_OVERRIDES[name]?.[operands.length] as Override;
  return (ev, _ast, ctx) => {
    try {
      charge();
      const values = operands.map((operand) => ev.run(operand, ctx));
      const result = override(values);
      if (result === NO_OVERLOAD) throw noOverload(name, values.map(celTypeName));
      return result;
    } catch (error) {
      throw attach(error, node);
    }
  };
}

function hasOverride(name: string, operandCount: number): boolean {
  return Object.hasOwn(METHOD_OVERRIDES, name) && METHOD_OVERRIDES[name]?.[operandCount] !== undefined;
}

/** Reroutes METHOD_OVERRIDES and makes calls and comprehension steps pay into the budget. */
export function instrument(root: EngineNode): void {
  walk(root, (node) => {
    if (node.op === 'rcall') {
      const [name, receiver, args] = node.args as [string, EngineNode, EngineNode[]];
      if (hasOverride(name, args.length + 1)) {
        node.evaluate = overriddenMethod(node, name, [receiver, ...args]);
        return;
      }
      chargeOnEvaluate(node);
    } else if (node.op === 'call') {
      const [name, args] = node.args as [string, EngineNode[]];
      if (name === 'matches' && hasOverride(name, args.length)) {
        node.evaluate = overriddenMethod(node, name, args);
        return;
      }
      chargeOnEvaluate(node);
    } else if (node.op === 'comprehension') {
      const step = (node.args as { step?: unknown }).step;
      if (isNode(step)) chargeOnEvaluate(step);
    }
  });
}

function chargeOnEvaluate(node: EngineNode): void {
  const inner = innerEvaluate(node);
  node.evaluate = (ev, ast, ctx) => {
    charge();
    return inner(ev, ast, ctx);
  };
}

export interface IdentifierUse {
  name: string;
  offset: number;
}

/** `variables.NAME` / `variables[?'NAME']` selections, to reject undeclared names at compile time. */
export function variableSelections(root: EngineNode): IdentifierUse[] {
  const out: IdentifierUse[] = [];
  walk(root, (node) => {
    if (node.op !== '.' && node.op !== '.?' && node.op !== '[]' && node.op !== '[?]') return;
    const [target, key] = node.args as [EngineNode, unknown];
    if (!isNode(target) || target.op !== 'id' || target.args !== 'variables') return;
    if (typeof key === 'string') out.push({ name: key, offset: node.pos });
    else if (isNode(key) && key.op === 'value' && typeof key.args === 'string') out.push({ name: key.args, offset: key.pos });
  });
  return out;
}
