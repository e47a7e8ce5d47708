/** Runs an expression -> expected table as one vitest case per row. */
import { expect, it } from 'vitest';
import { CelEvaluationError } from '../../../src/cel/index.js';
import { errorOf, evaluate, isErrorRow, type Row } from '../helpers.js';

export function table(rows: readonly Row[], object: unknown = null): void {
  for (const [expression, expected] of rows) {
    it(expression, () => {
      if (isErrorRow(expected)) {
        const error = errorOf(expression, { object });
        expect(error).toBeInstanceOf(CelEvaluationError);
        expect(error.message).toContain(expected.error);
      } else {
        expect(evaluate(expression, { object })).toEqual(expected);
      }
    });
  }
}
