/**
 * Errors of the CEL helper. Every message names the field the expression came from (when the
 * caller gave one) and the position inside the expression, in the form the kube-apiserver uses:
 * `spec.validations[2].expression: ERROR: <input>:1:5: undeclared reference to 'x'`.
 */

/** 1-based line and column of a character offset in `source`. */
export function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  const end = Math.max(0, Math.min(offset, source.length));
  for (let i = 0; i < end; i++) {
    if (source[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

/** The source line holding `offset` and a caret under it, as cel-go prints them. */
function caretExcerpt(source: string, offset: number, column: number): string {
  let start = offset;
  while (start > 0 && source[start - 1] !== '\n') start--;
  let end = offset;
  while (end < source.length && source[end] !== '\n') end++;
  return `\n | ${source.slice(start, end)}\n | ${'.'.repeat(column - 1)}^`;
}

function prefix(field: string | undefined): string {
  return field ? `${field}: ` : '';
}

export class CelCompileError extends Error {
  readonly code = 'CEL_COMPILE' as const;
  override readonly name = 'CelCompileError';
  /** The short reason without field, position or excerpt. */
  readonly reason: string;

  constructor(
    reason: string,
    readonly source: string,
    readonly offset: number,
    readonly field?: string,
  ) {
    const { line, column } = lineAndColumn(source, offset);
    super(`${prefix(field)}ERROR: <input>:${line}:${column}: ${reason}${caretExcerpt(source, offset, column)}`);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }

  readonly line: number;
  readonly column: number;
}

export class CelEvaluationError extends Error {
  readonly code = 'CEL_EVAL' as const;
  override readonly name = 'CelEvaluationError';
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    /** The short reason, e.g. `no such key: foo`. */
    readonly reason: string,
    readonly source: string,
    offset: number | undefined,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    const position = offset === undefined ? undefined : lineAndColumn(source, offset);
    const where = position ? ` <input>:${position.line}:${position.column}:` : '';
    super(`${prefix(field)}expression evaluation failed:${where} ${reason}`, options);
    this.line = position?.line;
    this.column = position?.column;
  }
}

export class CelCostLimitError extends Error {
  readonly code = 'CEL_COST' as const;
  override readonly name = 'CelCostLimitError';

  constructor(
    readonly source: string,
    readonly limit: number,
    readonly field?: string,
    /** Set when the budget ran out inside a variable the expression used. */
    readonly variable?: string,
    /** Set when the time limit (in ms), not the cost limit, stopped the evaluation. */
    readonly timeLimitMs?: number,
  ) {
    const target = field ? `${field}` : `expression '${abbreviate(source)}'`;
    const inVariable = variable ? ` (in variables.${variable})` : '';
    const what = timeLimitMs === undefined ? `actual cost limit exceeded (limit ${limit})` : `time limit exceeded (limit ${timeLimitMs} ms)`;
    super(`${target}: operation cancelled: ${what}${inVariable}`);
  }
}

function abbreviate(source: string): string {
  const flat = source.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
