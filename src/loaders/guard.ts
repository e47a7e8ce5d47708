/**
 * Time budget for policy code by instrumentation: every loop body and the entry of every function
 * that calls something (see makesCalls) in a policy bundle calls a guard, and the guard throws PolicyTimeoutError once the running call is
 * past its deadline. Why not a vm `timeout` around each call: Node starts (and joins) a watchdog
 * thread per timed call, which costs 0.3-1.4 ms per policy call on a 2-core machine
 * (bench/ts-policy-call.ts); a guard costs a counter increment per loop iteration / call, and a
 * clock read every GUARD_CLOCK_EVERY guards.
 *
 * What it bounds: loops (for, for-in, for-of, while, do-while) and recursion anywhere in the bundle
 * (the policy, its helpers, and the npm packages esbuild bundled in). What it cannot bound: a single
 * builtin call that runs long by itself (a catastrophically backtracking regular expression, a
 * multi-gigabyte string operation) - those are checked when they return. Once a call has timed
 * out the guard keeps throwing until the call is over, so a policy cannot catch the timeout and
 * carry on; and a call whose guard tripped is a timeout whatever it returned.
 */
import { Parser, type Node } from 'acorn';

export const GUARD_NAME = '__portcullisGuard';
/** clock reads happen once per this many guard calls (a power of two) */
export const GUARD_CLOCK_EVERY = 256;

export class PolicyTimeoutError extends Error {
  readonly code = 'POLICY_TIMEOUT';
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs}ms`);
    this.name = 'PolicyTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

// bound once: policy code runs in this realm and must not be able to stop the clock by accident
const now = performance.now.bind(performance);
let deadline = Number.POSITIVE_INFINITY;
let budgetMs = 0;
let tripped = false;
let steps = 0;

/** Called by instrumented code; cheap unless a deadline has passed. */
export function guard(): void {
  if (tripped) throw new PolicyTimeoutError(budgetMs);
  if ((++steps & (GUARD_CLOCK_EVERY - 1)) !== 0) return;
  if (now() > deadline) {
    tripped = true;
    throw new PolicyTimeoutError(budgetMs);
  }
}

/** Runs fn (instrumented policy code) with a deadline; throws PolicyTimeoutError past it. */
export function callWithDeadline<T>(fn: () => T, timeoutMs: number): T {
  const outer = { deadline, budgetMs, tripped };
  deadline = now() + timeoutMs;
  budgetMs = timeoutMs;
  tripped = false;
  // the first guard of the call reads the clock, so a call starting mid-count is not let off
  steps = GUARD_CLOCK_EVERY - 1;
  try {
    const result = fn();
    if (tripped) throw new PolicyTimeoutError(timeoutMs);
    return result;
  } finally {
    ({ deadline, budgetMs, tripped } = outer);
  }
}

type AnyNode = Node & Record<string, unknown>;

interface Edit {
  pos: number;
  text: string;
  /** closers go before openers at the same position; inner closers first, outer openers first */
  closing: boolean;
  depth: number;
}

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

export interface Instrumented {
  code: string;
  /** maps a 1-based line/column of the instrumented code back to the code before instrumentation */
  originalColumn(line: number, column: number): number;
}

/** Inserts guard calls into plain JavaScript (esbuild output). Throws a SyntaxError if it does not parse. */
export function instrumentGuards(code: string): Instrumented {
  const ast = Parser.parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowHashBang: true }) as unknown as AnyNode;
  const edits: Edit[] = [];
  const call = `${GUARD_NAME}();`;

  const visit = (node: AnyNode, depth: number): void => {
    if (LOOPS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') edits.push({ pos: body.start + 1, text: call, closing: false, depth });
      else {
        edits.push({ pos: body.start, text: `{${call}`, closing: false, depth });
        edits.push({ pos: body.end, text: '}', closing: true, depth });
      }
    } else if (FUNCTIONS.has(node.type) && makesCalls(node.body as AnyNode)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') edits.push({ pos: body.start + 1, text: call, closing: false, depth });
      else {
        edits.push({ pos: body.start, text: `(${GUARD_NAME}(), `, closing: false, depth });
        edits.push({ pos: body.end, text: ')', closing: true, depth });
      }
    }
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item, depth + 1);
      } else if (isNode(value)) visit(value, depth + 1);
    }
  };
  visit(ast, 0);

  edits.sort((a, b) => a.pos - b.pos || (a.closing === b.closing ? (a.closing ? b.depth - a.depth : a.depth - b.depth) : a.closing ? -1 : 1));

  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  // per original line: [column (0-based, original) where text was inserted, inserted length]
  const inserted = new Map<number, [number, number][]>();
  let out = '';
  let last = 0;
  for (const edit of edits) {
    out += code.slice(last, edit.pos) + edit.text;
    last = edit.pos;
    const line = lineOf(lineStarts, edit.pos);
    const list = inserted.get(line) ?? [];
    list.push([edit.pos - (lineStarts[line - 1] ?? 0), edit.text.length]);
    inserted.set(line, list);
  }
  out += code.slice(last);

  return {
    code: out,
    originalColumn(line: number, column: number): number {
      // instrumentation adds no newlines, so only columns move
      let shift = 0;
      for (const [at, length] of inserted.get(line) ?? []) {
        if (at + shift + length < column) shift += length;
        else break;
      }
      return column - shift;
    },
  };
}

const CALLS = new Set(['CallExpression', 'NewExpression', 'TaggedTemplateExpression']);

/**
 * Whether a function body (not counting the functions nested in it) calls anything. Recursion needs
 * a call, so a function that makes none cannot run long except through its own loops (guarded) or
 * a builtin: its entry guard is left out, which halves the guards of typical policy code.
 */
function makesCalls(node: AnyNode): boolean {
  if (CALLS.has(node.type)) return true;
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item) && !FUNCTIONS.has(item.type) && makesCalls(item)) return true;
    } else if (isNode(value) && !FUNCTIONS.has(value.type) && makesCalls(value)) return true;
  }
  return false;
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function lineOf(lineStarts: number[], pos: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
