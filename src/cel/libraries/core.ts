/**
 * Standard CEL conversions the engine does not declare (found by the cel-spec conformance run):
 * int(uint), int(timestamp), string(timestamp), string(duration), and the identity conversions
 * timestamp(timestamp) / duration(duration).
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import type { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import type { CelLibrary } from './library.js';

const INT64_MAX = 2n ** 63n - 1n;
const TS = 'google.protobuf.Timestamp';
const DUR = 'google.protobuf.Duration';

/** RFC 3339 as cel-go prints it: no fractional part when it is zero. */
export function timestampText(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

export const coreLibrary: CelLibrary = {
  name: 'core-conversions',
  functions: [
    [
      'int(uint): int',
      (u: UnsignedInt) => {
        if (u.valueOf() > INT64_MAX) throw new EvaluationError({ code: 'numeric_overflow', message: 'int() range error: uint value out of int range' });
        return u.valueOf();
      },
    ],
    [`int(${TS}): int`, (d: Date) => BigInt(Math.floor(d.getTime() / 1000))],
    [`string(${TS}): string`, timestampText],
    [`string(${DUR}): string`, (d: Duration) => d.toString()],
    [`timestamp(${TS}): ${TS}`, (d: Date) => d],
    [`duration(${DUR}): ${DUR}`, (d: Duration) => d],
  ],
};
