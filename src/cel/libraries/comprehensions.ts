/**
 * cel-go two-variable comprehensions (ext.TwoVarComprehensions, enabled by the apiserver since
 * 1.32), as macros on the engine's macro API:
 *
 *   list.all(i, v, p)   map.all(k, v, p)   exists(...)   existsOne(...) / exists_one(...)
 *   transformList(i, v, expr)   transformList(i, v, filter, expr)
 *   transformMap(k, v, expr)    transformMap(k, v, filter, expr)
 *
 * For a list the first variable is the index (int), for a map the key. all/exists absorb errors
 * like && and || do (a decisive element wins over an error elsewhere); the others fail on the
 * first error. Every step is charged to the evaluation budget.
 */
import { EvaluationError, ParseError } from '@marcbachmann/cel-js';
import { charge } from '../budget.js';
import type { CelLibrary, Implementation } from './library.js';

interface Node {
  op: string;
  args: unknown;
  readonly meta: unknown;
}

interface TypeDecl {
  kind: string;
  keyType?: TypeDecl;
  valueType?: TypeDecl;
  isDynOrBool(): boolean;
}

interface Scope {
  forkWithVariable(name: string, type: TypeDecl): Scope;
  reuse(parent: unknown): Scope;
  setIterValue(value: unknown, ev: unknown): Scope;
}

interface Checker {
  check(node: Node, ctx: unknown): TypeDecl;
  getType(name: string): TypeDecl;
  createError(code: string, message: string, node: Node): Error;
}

interface Evaluator {
  run(node: Node, ctx: unknown): unknown;
  tryEval(node: Node, ctx: unknown): unknown;
}

type Kind = 'all' | 'exists' | 'existsOne' | 'transformList' | 'transformMap';

interface Macro {
  kind: Kind;
  name: string;
  receiver: Node;
  first: string;
  second: string;
  filter?: Node;
  body: Node;
  outer?: Scope;
  inner?: Scope;
  typeCheck(checker: Checker, macro: Macro, ctx: Scope): TypeDecl;
  evaluate(ev: Evaluator, macro: Macro, ctx: unknown): unknown;
}

function identifier(node: Node | undefined, name: string, position: string): string {
  if (node?.op === 'id' && typeof node.args === 'string') return node.args;
  throw new ParseError({ code: 'invalid_macro_argument', message: `${name}() ${position} argument must be a simple name`, node: node as never });
}

function typeCheck(checker: Checker, m: Macro, ctx: Scope): TypeDecl {
  const rangeType = checker.check(m.receiver, ctx);
  const dyn = checker.getType('dyn');
  let firstType = dyn;
  let secondType = dyn;
  if (rangeType.kind === 'list') {
    firstType = checker.getType('int');
    secondType = rangeType.valueType ?? dyn;
  } else if (rangeType.kind === 'map') {
    firstType = rangeType.keyType ?? dyn;
    secondType = rangeType.valueType ?? dyn;
  } else if (rangeType.kind !== 'dyn') {
    throw checker.createError('invalid_comprehension_range', `${m.name}() needs a list or a map, got '${String(rangeType)}'`, m.receiver);
  }
  m.outer = ctx.forkWithVariable(m.first, firstType);
  m.inner = m.outer.forkWithVariable(m.second, secondType);
  if (m.filter) {
    const filterType = checker.check(m.filter, m.inner);
    if (!filterType.isDynOrBool()) throw checker.createError('invalid_macro_argument', `${m.name}() filter must return bool`, m.filter);
  }
  const bodyType = checker.check(m.body, m.inner);
  switch (m.kind) {
    case 'all':
    case 'exists':
    case 'existsOne':
      if (!bodyType.isDynOrBool()) throw checker.createError('invalid_macro_argument', `${m.name}() predicate must return bool`, m.body);
      return checker.getType('bool');
    case 'transformList':
      return checker.getType('list<dyn>');
    default:
      return checker.getType('map<dyn, dyn>');
  }
}

function entries(range: unknown, name: string): [unknown, unknown][] {
  if (Array.isArray(range)) return range.map((v, i) => [BigInt(i), v]);
  if (range instanceof Map) return [...range.entries()];
  if (range !== null && typeof range === 'object') return Object.keys(range).map((k) => [k, (range as Record<string, unknown>)[k]]);
  throw new EvaluationError({ code: 'invalid_comprehension_range', message: `${name}() needs a list or a map` });
}

function evaluate(ev: Evaluator, m: Macro, ctx: unknown): unknown {
  const items = entries(ev.run(m.receiver, ctx), m.name);
  const outer = (m.outer as Scope).reuse(ctx);
  const inner = m.inner as Scope;
  const bind = (key: unknown, value: unknown): void => {
    charge();
    outer.setIterValue(key, ev);
    inner.setIterValue(value, ev);
  };
  switch (m.kind) {
    case 'all':
    case 'exists': {
      const decisive = m.kind === 'exists';
      let firstError: unknown;
      for (const [k, v] of items) {
        bind(k, v);
        const result = ev.tryEval(m.body, inner);
        if (result === decisive) return decisive;
        if (result instanceof Error) firstError ??= result;
        else if (typeof result !== 'boolean') firstError ??= new EvaluationError({ code: 'invalid_macro_argument', message: `${m.name}() predicate must return bool` });
      }
      if (firstError !== undefined) throw firstError;
      return !decisive;
    }
    case 'existsOne': {
      let count = 0;
      for (const [k, v] of items) {
        bind(k, v);
        if (ev.run(m.body, inner) === true) count++;
      }
      return count === 1;
    }
    case 'transformList': {
      const out: unknown[] = [];
      for (const [k, v] of items) {
        bind(k, v);
        if (m.filter && ev.run(m.filter, inner) !== true) continue;
        out.push(ev.run(m.body, inner));
      }
      return out;
    }
    default: {
      const pairs: [unknown, unknown][] = [];
      for (const [k, v] of items) {
        bind(k, v);
        if (m.filter && ev.run(m.filter, inner) !== true) continue;
        pairs.push([k, ev.run(m.body, inner)]);
      }
      if (pairs.every(([k]) => typeof k === 'string')) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of pairs) Object.defineProperty(out, k as string, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      }
      return new Map(pairs);
    }
  }
}

function expander(kind: Kind, name: string, withFilter: boolean): Implementation {
  return ({ args, receiver }: { args: Node[]; receiver: Node }): Macro => {
    const filter = withFilter ? args[2] : undefined;
    const body = (withFilter ? args[3] : args[2]) as Node;
    return {
      kind,
      name,
      receiver,
      first: identifier(args[0], name, 'first'),
      second: identifier(args[1], name, 'second'),
      ...(filter ? { filter } : {}),
      body,
      typeCheck,
      evaluate,
    };
  };
}

export const comprehensionsLibrary: CelLibrary = {
  name: 'two-variable comprehensions',
  functions: [
    ['dyn.all(ast, ast, ast): bool', expander('all', 'all', false)],
    ['dyn.exists(ast, ast, ast): bool', expander('exists', 'exists', false)],
    ['dyn.existsOne(ast, ast, ast): bool', expander('existsOne', 'existsOne', false)],
    ['dyn.exists_one(ast, ast, ast): bool', expander('existsOne', 'exists_one', false)],
    ['dyn.transformList(ast, ast, ast): list<dyn>', expander('transformList', 'transformList', false)],
    ['dyn.transformList(ast, ast, ast, ast): list<dyn>', expander('transformList', 'transformList', true)],
    ['dyn.transformMap(ast, ast, ast): map<dyn, dyn>', expander('transformMap', 'transformMap', false)],
    ['dyn.transformMap(ast, ast, ast, ast): map<dyn, dyn>', expander('transformMap', 'transformMap', true)],
  ],
};
