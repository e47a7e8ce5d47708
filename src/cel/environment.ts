/**
 * The Kubernetes CEL environment: the variables a ValidatingAdmissionPolicy expression sees
 * (object, oldObject, request, params, namespaceObject, variables), the Kubernetes libraries,
 * RE2 `matches`, parse-time limits and a per-expression evaluation budget.
 */
import { Environment, EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import { assertEngineShape, instrument, variableSelections, walk, type EngineNode } from './ast.js';
import { Budget, BudgetExceeded, currentBudget, enterBudget, restoreBudget } from './budget.js';
import { CelCompileError, CelCostLimitError, CelEvaluationError } from './errors.js';
import { ALL_LIBRARIES } from './libraries/index.js';
import { registerLibrary } from './libraries/library.js';
import { compileFast, READ_AS_COMPUTED, type FastProgram, type FastRoots } from './fast.js';
import { celToJson, jsonToCel } from './values.js';

/** Default per-expression budget, in the units described in budget.ts (apiserver: 1e6 too). */
export const DEFAULT_COST_LIMIT = 1_000_000;

/** Parse-time limits: bound the size of what a policy can make us evaluate. */
export const PARSE_LIMITS = {
  maxAstNodes: 20_000,
  maxDepth: 100,
  maxListElements: 1_000,
  maxMapEntries: 1_000,
  maxCallArguments: 32,
} as const;

/** Longest accepted expression, in characters (the apiserver's limit on a CEL expression is 5 KiB... per field; we are lenient). */
export const MAX_EXPRESSION_LENGTH = 100_000;

const INPUT_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject'] as const;

export interface CelInput {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  params: unknown;
  namespaceObject: unknown;
}

export interface CompileOptions {
  /** Where the expression came from, e.g. `spec.validations[2].expression`; used in messages only. */
  field?: string;
  /** Names declared in spec.variables (typed dyn). When given, `variables.x` with another name is a compile error. */
  variables?: string[];
  /** When false, `params` is undeclared (policy without paramKind). Default true. */
  hasParams?: boolean;
  /** portcullis does not offer the authorizer library; true makes that a compile error that says so. */
  hasAuthorizer?: boolean;
}

export interface CelProgram {
  readonly source: string;
  /** Evaluates and converts the result to plain JSON-like JS (see celToJson). */
  evaluate(activation: CelActivation): unknown;
  /** Evaluates and returns the engine value (bigint ints, Optional...). */
  evaluateRaw(activation: CelActivation): unknown;
}

export interface CelActivation {
  /** The object handed to the engine: lazily converted inputs plus `variables`. */
  readonly context: Readonly<Record<string, unknown>>;
}

export interface CelEnvironment {
  compile(expression: string, options?: CompileOptions): CelProgram;
  /**
   * The values one evaluation sees. `shared` memoises input conversions across the activations of
   * one admission review (see jsonToCel); give each review its own map.
   */
  activation(input: CelInput, variables?: readonly CelVariable[], shared?: Map<object, unknown>): CelActivation;
}

export interface CelEnvironmentOptions {
  /**
   * Evaluate through the compiled fast path where it applies (see fast.ts), the engine
   * otherwise. Default true; false is for differential tests.
   */
  fastPath?: boolean;
  /** Per-expression budget (comprehension steps + calls + size-proportional library charges). */
  costLimit?: number;
  /** Optional per-expression wall-clock limit in ms, checked as cost is spent. Default: none. */
  timeLimitMs?: number;
}

type Compiled = ((context: Record<string, unknown>) => unknown) & { ast: EngineNode; check(): { valid: boolean; error?: unknown } };

function buildEngine(declarations: readonly (readonly [string, string])[] = KUBERNETES_DECLARATIONS): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
    limits: PARSE_LIMITS,
  });
  for (const library of ALL_LIBRARIES) registerLibrary(env, library);
  for (const [name, type] of declarations) env.registerVariable(name, type);
  return env;
}

const KUBERNETES_DECLARATIONS: readonly (readonly [string, string])[] = [
  ...INPUT_VARIABLES.map((name) => [name, 'dyn'] as const),
  ['variables', 'map<string, dyn>'],
];

function compileErrorFrom(error: unknown, source: string, field: string | undefined): CelCompileError {
  if (error instanceof ParseError || error instanceof CelTypeError || error instanceof EvaluationError) {
    const reason = error.summary.replace(/^Unknown variable: (\w+)$/, "undeclared reference to '$1'");
    return new CelCompileError(reason, source, error.range?.start ?? 0, field);
  }
  return new CelCompileError(error instanceof Error ? error.message : String(error), source, 0, field);
}

/** Parse, type-check and instrument, turning engine errors into CelCompileError. */
function compileOn(engine: Environment, expression: string, field: string | undefined, extraChecks?: (ast: EngineNode) => void): Compiled {
  let compiled: Compiled;
  try {
    compiled = engine.parse(expression) as unknown as Compiled;
  } catch (error) {
    throw compileErrorFrom(error, expression, field);
  }
  assertEngineShape(compiled.ast);
  extraChecks?.(compiled.ast);
  const checked = compiled.check();
  if (!checked.valid) throw compileErrorFrom(checked.error, expression, field);
  instrument(compiled.ast);
  return compiled;
}

class Program implements CelProgram {
  private readonly fast: FastProgram | undefined;

  constructor(
    readonly source: string,
    private readonly run: Compiled,
    private readonly costLimit: number,
    private readonly field: string | undefined,
    private readonly timeLimitMs?: number,
    fastPath = true,
  ) {
    this.fast = fastPath ? compileFast(run.ast) : undefined;
  }

  evaluate(activation: CelActivation): unknown {
    return celToJson(this.evaluateRaw(activation));
  }

  evaluateRaw(activation: CelActivation): unknown {
    const result = this.evaluateAsComputed(activation);
    // a list or map from the fast path may still hold JSON numbers: the engine's callers get ints
    return typeof result === 'object' && result !== null ? convertForEngine(activation, result) : result;
  }

  /**
   * The value as computed: from the fast path when it answers (lists and maps may still hold JSON
   * numbers), else from the engine. For variables, which convert only when the engine reads them.
   */
  evaluateAsComputed(activation: CelActivation): unknown {
    if (this.fast !== undefined) {
      const budget = new Budget(this.costLimit, this.timeLimitMs);
      const previous = enterBudget(budget);
      try {
        const result = this.fast(fastRootsOf(activation));
        if (!budget.exceeded) return result;
      } catch {
        // not the plain case (an error, an unhandled type, the budget): the engine answers exactly,
        // with a fresh budget (so an expression that runs out does so twice: at most 2x the time limit)
      } finally {
        restoreBudget(previous);
      }
    }
    return this.evaluateOnEngine(activation);
  }

  private evaluateOnEngine(activation: CelActivation): unknown {
    const budget = new Budget(this.costLimit, this.timeLimitMs);
    const previous = enterBudget(budget);
    let result: unknown;
    try {
      result = this.run(activation.context as Record<string, unknown>);
    } catch (error) {
      if (budget.exceeded) throw this.costError(budget);
      throw this.evaluationError(error);
    } finally {
      restoreBudget(previous);
    }
    if (budget.exceeded) throw this.costError(budget);
    return result;
  }

  private costError(budget: Budget): CelCostLimitError {
    return new CelCostLimitError(this.source, this.costLimit, this.field, budget.exceededInVariable, budget.timedOut ? this.timeLimitMs : undefined);
  }

  private evaluationError(error: unknown): Error {
    if (error instanceof CelCostLimitError) return error;
    if (error instanceof CelEvaluationError) {
      // a variable failed: keep its reason, name where it was used
      return new CelEvaluationError(error.reason, this.source, undefined, this.field, { cause: error });
    }
    if (error instanceof EvaluationError || error instanceof CelTypeError) {
      return new CelEvaluationError(error.summary, this.source, error.range?.start, this.field, { cause: error });
    }
    if (error instanceof BudgetExceeded) return new CelCostLimitError(this.source, this.costLimit, this.field);
    const reason = error instanceof Error ? error.message : String(error);
    return new CelEvaluationError(reason, this.source, undefined, this.field, { cause: error });
  }
}

export interface CelVariable {
  name: string;
  program: CelProgram;
}

/** The fast path reads an ActivationContext's inputs unconverted; other contexts (cel-spec bindings) hold engine values. */
function fastRootsOf(activation: CelActivation): FastRoots {
  const context = activation.context;
  if (context instanceof ActivationContext) return context;
  return { fastRoot: (name) => (context as Record<string, unknown>)[name] };
}

function convertForEngine(activation: CelActivation, value: object): unknown {
  const context = activation.context;
  return context instanceof ActivationContext ? context.convert(value) : jsonToCel(value);
}

/** Per variables list, made once: names in declaration order and each name's index. */
interface VariableLayout {
  readonly variables: readonly CelVariable[];
  readonly index: ReadonlyMap<string, number>;
}

const layouts = new WeakMap<readonly CelVariable[], VariableLayout>();

function layoutOf(variables: readonly CelVariable[]): VariableLayout {
  let layout = layouts.get(variables);
  if (layout === undefined) {
    layout = { variables, index: new Map(variables.map(({ name }, i) => [name, i])) };
    layouts.set(variables, layout);
  }
  return layout;
}

/** Variable states; 0 (the Uint8Array default) is "not computed yet". */
const COMPUTING = 1;
const DONE = 2;
const FAILED = 3;

/**
 * The `variables` of one activation: each is computed on first read and memoised, value or
 * error. It is a Map because the engine reads a `map<string, dyn>` that is a Map through `get`,
 * so one class shared by all activations serves every policy. (Getters defined per activation,
 * one closure each, gave every activation new hidden classes; those live in the old generation
 * and kept each review's objects alive through the young-generation collections, which then
 * copied megabytes each.) Only reading is supported; CEL never writes to its inputs.
 */
class LazyVariables extends Map<string, unknown> {
  readonly #layout: VariableLayout;
  readonly #activation: CelActivation;
  readonly #state: Uint8Array;
  readonly #values: unknown[];
  /** 1 once the value is in the engine's form */
  readonly #converted: Uint8Array;

  constructor(layout: VariableLayout, activation: CelActivation) {
    super();
    this.#layout = layout;
    this.#activation = activation;
    this.#state = new Uint8Array(layout.variables.length);
    this.#values = new Array<unknown>(layout.variables.length);
    this.#converted = new Uint8Array(layout.variables.length);
  }

  /** The engine's read: lists and maps converted (once) for the engine. */
  override get(name: string): unknown {
    const index = this.#layout.index.get(name);
    if (index === undefined) return undefined;
    const value = this.#read(index);
    if (typeof value !== 'object' || value === null || this.#converted[index] === 1) return value;
    const converted = convertForEngine(this.#activation, value);
    this.#values[index] = converted;
    this.#converted[index] = 1;
    return converted;
  }

  /** The fast path's read: the value as computed (the fast path converts numbers where it reads them). */
  [READ_AS_COMPUTED](name: string): unknown {
    const index = this.#layout.index.get(name);
    return index === undefined ? undefined : this.#read(index);
  }

  override has(name: string): boolean {
    return this.#layout.index.has(name);
  }

  override get size(): number {
    return this.#layout.variables.length;
  }

  override *keys(): MapIterator<string> {
    for (const { name } of this.#layout.variables) yield name;
  }

  override *values(): MapIterator<unknown> {
    for (const { name } of this.#layout.variables) yield this.get(name);
  }

  override *entries(): MapIterator<[string, unknown]> {
    for (const { name } of this.#layout.variables) yield [name, this.get(name)];
  }

  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }

  override forEach(callback: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  #read(index: number): unknown {
    const { name, program } = this.#layout.variables[index]!;
    switch (this.#state[index]) {
      case DONE:
        return this.#values[index];
      case FAILED:
        failUserOnCost(this.#values[index], name);
        throw this.#values[index];
      case COMPUTING:
        throw new EvaluationError({ code: 'invalid_argument', message: `variables.${name} refers to itself` });
    }
    this.#state[index] = COMPUTING;
    try {
      this.#values[index] = evaluateVariable(name, program, this.#activation);
      this.#state[index] = DONE;
    } catch (error) {
      this.#values[index] = error;
      this.#state[index] = FAILED;
      throw error;
    }
    return this.#values[index];
  }
}

// The engine recognises a map by its constructor (`v.constructor === Map`), not by instanceof.
Object.defineProperty(LazyVariables.prototype, 'constructor', { value: Map, writable: true, configurable: true });

class KubernetesCelEnvironment implements CelEnvironment {
  private readonly engine = buildEngine();
  private readonly costLimit: number;
  private readonly timeLimitMs: number | undefined;
  private readonly fastPath: boolean;

  constructor(options: CelEnvironmentOptions) {
    this.fastPath = options.fastPath ?? true;
    this.costLimit = options.costLimit ?? DEFAULT_COST_LIMIT;
    if (!(this.costLimit > 0)) throw new RangeError(`costLimit must be a positive number, got ${options.costLimit}`);
    this.timeLimitMs = options.timeLimitMs;
    if (this.timeLimitMs !== undefined && !(this.timeLimitMs > 0)) throw new RangeError(`timeLimitMs must be a positive number, got ${options.timeLimitMs}`);
  }

  compile(expression: string, options: CompileOptions = {}): CelProgram {
    const field = options.field;
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw new CelCompileError('expression is empty', String(expression ?? ''), 0, field);
    }
    if (expression.length > MAX_EXPRESSION_LENGTH) {
      throw new CelCompileError(`expression is ${expression.length} characters long, more than the limit of ${MAX_EXPRESSION_LENGTH}`, expression, 0, field);
    }
    const compiled = compileOn(this.engine, expression, field, (ast) => this.checkDeclarations(ast, expression, options));
    return new Program(expression, compiled, this.costLimit, field, this.timeLimitMs, this.fastPath);
  }

  /** Declarations the engine cannot express per expression: params, authorizer, variables.<name>. */
  private checkDeclarations(ast: EngineNode, source: string, options: CompileOptions): void {
    const bound = new Set<string>();
    const free: { name: string; offset: number }[] = [];
    walk(ast, (node) => {
      if (node.op === 'comprehension') bound.add((node.args as { iterVarName: string }).iterVarName);
      else if (node.op === 'id') free.push({ name: node.args as string, offset: node.pos });
    });
    for (const use of free) {
      if (bound.has(use.name)) continue;
      if (use.name === 'authorizer') {
        throw new CelCompileError("undeclared reference to 'authorizer' (portcullis does not offer the authorizer library)", source, use.offset, options.field);
      }
      if (use.name === 'params' && options.hasParams === false) {
        throw new CelCompileError("undeclared reference to 'params' (the policy has no paramKind)", source, use.offset, options.field);
      }
    }
    if (options.variables) {
      const declared = new Set(options.variables);
      for (const use of variableSelections(ast)) {
        if (!declared.has(use.name)) {
          throw new CelCompileError(`undefined field '${use.name}' (not declared in spec.variables before this expression)`, source, use.offset, options.field);
        }
      }
    }
  }

  activation(input: CelInput, variables: readonly CelVariable[] = [], shared?: Map<object, unknown>): CelActivation {
    const context = new ActivationContext(input, shared);
    const activation: CelActivation = { context: context as unknown as Readonly<Record<string, unknown>> };
    if (variables.length > 0) context.variables = new LazyVariables(layoutOf(variables), activation);
    return activation;
  }
}

const EMPTY_VARIABLES: Record<string, never> = Object.freeze({});

/**
 * What the engine reads variables from (it indexes the object by name). The inputs are converted
 * on first use: a policy that never reads oldObject never pays for it.
 */
class ActivationContext implements FastRoots {
  variables: ReadonlyMap<string, unknown> | Record<string, never> = EMPTY_VARIABLES;
  #object: unknown;
  #oldObject: unknown;
  #request: unknown;
  #params: unknown;
  #namespaceObject: unknown;

  constructor(
    private readonly input: CelInput,
    private readonly shared: Map<object, unknown> | undefined,
  ) {}

  get object(): unknown {
    return (this.#object ??= jsonToCel(this.input.object ?? null, this.shared));
  }

  get oldObject(): unknown {
    return (this.#oldObject ??= jsonToCel(this.input.oldObject ?? null, this.shared));
  }

  get request(): unknown {
    return (this.#request ??= jsonToCel(this.input.request ?? null, this.shared));
  }

  get params(): unknown {
    return (this.#params ??= jsonToCel(this.input.params ?? null, this.shared));
  }

  get namespaceObject(): unknown {
    return (this.#namespaceObject ??= jsonToCel(this.input.namespaceObject ?? null, this.shared));
  }

  /** The inputs as given (the fast path converts where it reads); undefined for other names. */
  fastRoot(name: string): unknown {
    switch (name) {
      case 'object':
      case 'oldObject':
      case 'request':
      case 'params':
      case 'namespaceObject':
        return this.input[name] ?? null;
      case 'variables':
        return this.variables;
      default:
        return undefined;
    }
  }

  /** A value for the engine, sharing conversions with the rest of the review. */
  convert(value: unknown): unknown {
    return jsonToCel(value, this.shared);
  }
}

/**
 * The expression reading a variable that ran out of budget fails on cost too, whatever it does
 * with the error: on the first read and on every later read of the memoised error (a fast-path
 * miss reads it again on the engine).
 */
function failUserOnCost(error: unknown, name: string): void {
  if (!(error instanceof CelCostLimitError)) return;
  const outer = currentBudget();
  if (outer) {
    outer.exceeded = true;
    outer.exceededInVariable ??= name;
  }
}

function evaluateVariable(name: string, program: CelProgram, activation: CelActivation): unknown {
  try {
    return program instanceof Program ? program.evaluateAsComputed(activation) : program.evaluateRaw(activation);
  } catch (error) {
    if (error instanceof CelCostLimitError) {
      failUserOnCost(error, name);
      throw error;
    }
    if (error instanceof CelEvaluationError) {
      throw new CelEvaluationError(`variables.${name}: ${error.reason}`, error.source, undefined, error.field, { cause: error });
    }
    throw error;
  }
}

export function createCelEnvironment(options: CelEnvironmentOptions = {}): CelEnvironment {
  return new KubernetesCelEnvironment(options);
}

const specEngines = new Map<string, Environment>();

/**
 * For the cel-spec conformance run only (not exported from index.ts): the same engine, libraries
 * and compile passes as the Kubernetes environment, but with the test's own declared variables,
 * evaluated on engine values (bigint ints...) and returning the engine result unconverted.
 */
export function compileForSpec(
  expression: string,
  declarations: readonly (readonly [string, string])[],
): (bindings: Record<string, unknown>) => unknown {
  const key = JSON.stringify(declarations);
  let engine = specEngines.get(key);
  if (engine === undefined) {
    engine = buildEngine(declarations);
    specEngines.set(key, engine);
  }
  const program = new Program(expression, compileOn(engine, expression, undefined), DEFAULT_COST_LIMIT, undefined);
  return (bindings) => program.evaluateRaw({ context: bindings });
}
