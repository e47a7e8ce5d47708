/**
 * Evaluation budget: a per-expression cost limit, like the kube-apiserver's per-expression
 * runtime cost limit (but with our own, simpler cost units), and an optional wall-clock limit
 * checked as the cost is spent (so it bounds time only between counted operations).
 *
 * What is counted (one unit each): every comprehension step (`all`, `exists`, `exists_one`,
 * `map`, `filter`, `cel.bind` bodies...), every function or method call, plus size-proportional
 * charges inside the costly library functions (regex, split, join, replace, format,
 * list sum/min/max/isSorted/indexOf). What is not counted: operators such as `+` on strings and
 * lists and field access; their number is bounded by the expression size times the counted steps,
 * and the parse-time limits bound the expression size.
 *
 * Evaluation is synchronous, so "the budget of the expression being evaluated" is a module-level
 * slot, saved and restored around nested evaluations (variables evaluated lazily inside another
 * expression get their own budget).
 */

export class Budget {
  remaining: number;
  exceeded = false;
  /** Set when the time limit, rather than the cost limit, stopped the evaluation. */
  timedOut = false;
  /** Name of the variable whose budget ran out, when the overrun happened inside one. */
  exceededInVariable: string | undefined;
  /** performance.now() value after which the evaluation stops; Infinity when there is no time limit. */
  readonly deadline: number;

  constructor(
    readonly limit: number,
    timeLimitMs?: number,
  ) {
    this.remaining = limit;
    this.deadline = timeLimitMs === undefined ? Infinity : performance.now() + timeLimitMs;
  }
}

/** The clock is read once every this many units, so the time limit costs nearly nothing. */
const CLOCK_EVERY = 256;

/** Thrown inside the engine when the budget runs out; turned into CelCostLimitError outside. */
export class BudgetExceeded extends Error {
  constructor() {
    super('cost limit exceeded');
  }
}

let current: Budget | undefined;

export function currentBudget(): Budget | undefined {
  return current;
}

/** Makes `budget` the active one; returns the previous one for `restoreBudget`. */
export function enterBudget(budget: Budget): Budget | undefined {
  const previous = current;
  current = budget;
  return previous;
}

export function restoreBudget(previous: Budget | undefined): void {
  current = previous;
}

/**
 * Spends `units` of the active budget. Once it is spent every further charge throws again, so an
 * engine construct that swallows errors (`||`, `exists`) cannot keep going for long, and the
 * caller checks `exceeded` after evaluation anyway.
 */
export function charge(units = 1): void {
  const budget = current;
  if (budget === undefined) return;
  const before = budget.remaining;
  budget.remaining -= units;
  if (budget.remaining < 0) {
    budget.exceeded = true;
    throw new BudgetExceeded();
  }
  // crossed a multiple of CLOCK_EVERY: look at the clock
  if (budget.deadline !== Infinity && Math.floor(before / CLOCK_EVERY) !== Math.floor(budget.remaining / CLOCK_EVERY) && performance.now() > budget.deadline) {
    budget.exceeded = true;
    budget.timedOut = true;
    throw new BudgetExceeded();
  }
}
