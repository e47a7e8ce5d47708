/** Shared helpers for the CEL tests: one environment, evaluate an expression on an input. */
import { createCelEnvironment, type CelInput } from '../../src/cel/index.js';

export const env = createCelEnvironment();

export function input(partial: Partial<CelInput> = {}): CelInput {
  return { object: null, oldObject: null, request: null, params: null, namespaceObject: null, ...partial };
}

export function evaluate(expression: string, partial: Partial<CelInput> = {}): unknown {
  return env.compile(expression).evaluate(env.activation(input(partial)));
}

/** The error thrown by compiling or evaluating `expression`, or a failure when none is thrown. */
export function errorOf(expression: string, partial: Partial<CelInput> = {}): Error {
  try {
    evaluate(expression, partial);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected '${expression}' to fail`);
}

/** A table row: expression -> expected JSON result, or { error: substring of the message }. */
export type Row = readonly [string, unknown] | readonly [string, { error: string }];

export function isErrorRow(expected: unknown): expected is { error: string } {
  return typeof expected === 'object' && expected !== null && 'error' in expected && Object.keys(expected).length === 1;
}
