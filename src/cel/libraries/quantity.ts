/**
 * Kubernetes quantity library (apiserver `library/quantity.go`): `quantity('1.5Gi')` and its
 * comparison / arithmetic / conversion methods, with resource.Quantity's parsing rules.
 *
 * A quantity is held exactly, as a bigint count of nano-units: the apiserver rounds every parsed
 * value up (away from zero) to nano precision, so after parsing every quantity is an integer
 * number of nanos. Comparison and arithmetic are then exact. Known deviation: magnitudes above
 * 10^300 (e.g. `1e999`) are clamped to 10^300, so two such absurd values compare equal.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import type { CelLibrary } from './library.js';

const NANOS_PER_UNIT = 1_000_000_000n;
const MAX_MAGNITUDE = 10n ** 300n * NANOS_PER_UNIT;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Messages of k8s.io/apimachinery's resource package. */
export const ERR_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

export class Quantity {
  constructor(
    /** The value in nano-units (value * 10^9), exact. */
    readonly nanos: bigint,
    /** The text it was parsed from, kept for display (canonical form is not needed by CEL). */
    private readonly text?: string,
  ) {}

  toCelString(): string {
    return this.text ?? formatNanos(this.nanos);
  }

  toString(): string {
    return this.toCelString();
  }

  compare(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }
}

function formatNanos(nanos: bigint): string {
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  const whole = magnitude / NANOS_PER_UNIT;
  const fraction = magnitude % NANOS_PER_UNIT;
  const text = fraction === 0n ? `${whole}` : `${whole}.${fraction.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return negative ? `-${text}` : text;
}

function formatError(message: string): EvaluationError {
  return new EvaluationError({ code: 'invalid_argument', message });
}

interface Split {
  negative: boolean;
  whole: string;
  fraction: string;
  suffix: string;
}

/** Splits as resource.parseQuantityString does (including its leniencies: '+', '-', '.', '1.G' parse). */
function splitQuantity(text: string): Split {
  let pos = 0;
  let negative = false;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    pos = 1;
  }
  const digits = (from: number): number => {
    let i = from;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    return i;
  };
  const wholeEnd = digits(pos);
  const whole = text.slice(pos, wholeEnd) || '0';
  pos = wholeEnd;
  let fraction = '';
  if (text[pos] === '.') {
    const fractionEnd = digits(pos + 1);
    fraction = text.slice(pos + 1, fractionEnd);
    pos = fractionEnd;
  }
  const suffixStart = pos;
  while (pos < text.length && 'eEinumkKMGTP'.includes(text[pos] as string)) pos++;
  if (text[pos] === '-' || text[pos] === '+') pos++;
  pos = digits(pos);
  if (pos !== text.length) throw formatError(ERR_FORMAT_WRONG);
  return { negative, whole, fraction, suffix: text.slice(suffixStart) };
}

/**
 * Parsed quantities by text: manifests repeat the same few ('500m', '512Mi'), and a Quantity is
 * immutable, so parsing each text once is safe. Bounded: cleared when it grows past the limit.
 */
const parsed = new Map<string, Quantity>();
const PARSED_LIMIT = 1024;

/** Parses a quantity exactly as resource.ParseQuantity accepts it; throws its error messages. */
export function parseQuantity(text: string): Quantity {
  const hit = parsed.get(text);
  if (hit !== undefined) return hit;
  const quantity = parseUncached(text);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, quantity);
  return quantity;
}

function parseUncached(text: string): Quantity {
  if (text.length === 0) throw formatError(ERR_FORMAT_WRONG);
  const { negative, whole, fraction, suffix } = splitQuantity(text);

  let decimalExponent = 0;
  let binaryExponent = 0;
  if (suffix in DECIMAL_SUFFIXES) decimalExponent = DECIMAL_SUFFIXES[suffix] as number;
  else if (suffix in BINARY_SUFFIXES) binaryExponent = BINARY_SUFFIXES[suffix] as number;
  else if (/^[eE][-+]?\d+$/.test(suffix)) {
    const exponent = Number(suffix.slice(1));
    if (!Number.isInteger(exponent) || exponent > 2 ** 31 - 1 || exponent < -(2 ** 31)) throw formatError(ERR_SUFFIX);
    decimalExponent = exponent;
  } else {
    throw formatError(ERR_SUFFIX);
  }

  // value = digits * 10^(decimalExponent - fraction.length) * 2^binaryExponent, in nanos: * 10^9
  const digits = BigInt(whole + fraction) * 2n ** BigInt(binaryExponent);
  const scale = decimalExponent - fraction.length + 9;
  let nanos: bigint;
  if (digits === 0n) {
    nanos = 0n;
  } else if (scale >= 0) {
    // anything this large is capped anyway; avoid building 10^(2^31)
    nanos = scale > 320 ? MAX_MAGNITUDE + 1n : digits * 10n ** BigInt(scale);
  } else {
    const digitCount = digits.toString().length;
    if (-scale > digitCount + 1) {
      nanos = 1n; // below one nano: rounded up to the smallest representable value
    } else {
      const divisor = 10n ** BigInt(-scale);
      const quotient = digits / divisor;
      nanos = digits % divisor === 0n ? quotient : quotient + 1n; // round up, away from zero
    }
  }
  if (nanos > MAX_MAGNITUDE) nanos = MAX_MAGNITUDE;
  return new Quantity(negative ? -nanos : nanos, text);
}

function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** resource.Quantity.AsInt64: only whole values within int64. */
function asInt64(q: Quantity): bigint | undefined {
  if (q.nanos % NANOS_PER_UNIT !== 0n) return undefined;
  const value = q.nanos / NANOS_PER_UNIT;
  return value > INT64_MAX || value < INT64_MIN ? undefined : value;
}

function asInteger(q: Quantity): bigint {
  const value = asInt64(q);
  if (value === undefined) throw formatError('cannot convert value to integer');
  return value;
}

function asApproximateFloat(q: Quantity): number {
  const whole = q.nanos / NANOS_PER_UNIT;
  const fraction = q.nanos % NANOS_PER_UNIT;
  return Number(whole) + Number(fraction) / 1e9;
}

function sign(q: Quantity): bigint {
  return q.nanos > 0n ? 1n : q.nanos < 0n ? -1n : 0n;
}

/** a / b rounded to the nearest integer, halves away from zero. */
function roundedQuotient(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const absA = a < 0n ? -a : a;
  const absB = b < 0n ? -b : b;
  const q = (2n * absA + absB) / (2n * absB);
  return negative ? -q : q;
}

/** Quantity.div keeps 4 decimal places (resource.Quantity.QuoRound(n, 4)). */
function divide(q: Quantity, n: bigint): Quantity {
  if (n === 0n) throw formatError('division by zero error');
  const step = 100_000n; // nanos in 0.0001
  return new Quantity(roundedQuotient(q.nanos, n * step) * step);
}

const plus = (a: Quantity, b: Quantity): Quantity => new Quantity(a.nanos + b.nanos);
const minus = (a: Quantity, b: Quantity): Quantity => new Quantity(a.nanos - b.nanos);
const ofInt = (n: bigint): Quantity => new Quantity(n * NANOS_PER_UNIT);

const Q = 'kubernetes.Quantity';

export const quantityLibrary: CelLibrary = {
  name: 'kubernetes.quantity',
  types: [[Q, Quantity]],
  functions: [
    [`quantity(string): ${Q}`, (s: string) => parseQuantity(s)],
    ['isQuantity(string): bool', (s: string) => isQuantity(s)],
    // the apiserver declares sign() as a global overload; the method form is what its docs show
    [`sign(${Q}): int`, sign],
    [`${Q}.sign(): int`, sign],
    [`${Q}.isGreaterThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) === 1],
    [`${Q}.isLessThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) === -1],
    [`${Q}.compareTo(${Q}): int`, (a: Quantity, b: Quantity) => BigInt(a.compare(b))],
    [`${Q}.asApproximateFloat(): double`, asApproximateFloat],
    [`${Q}.asInteger(): int`, asInteger],
    [`${Q}.isInteger(): bool`, (q: Quantity) => asInt64(q) !== undefined],
    [`${Q}.add(${Q}): ${Q}`, plus],
    [`${Q}.add(int): ${Q}`, (a: Quantity, n: bigint) => plus(a, ofInt(n))],
    [`${Q}.sub(${Q}): ${Q}`, minus],
    [`${Q}.sub(int): ${Q}`, (a: Quantity, n: bigint) => minus(a, ofInt(n))],
    [`${Q}.mul(int): ${Q}`, (a: Quantity, n: bigint) => new Quantity(a.nanos * n)],
    [`${Q}.div(int): ${Q}`, (a: Quantity, n: bigint) => divide(a, n)],
    [`${Q}.divInt(int): ${Q}`, (a: Quantity, n: bigint) => {
      if (n === 0n) throw formatError('division by zero error');
      return ofInt(a.nanos / NANOS_PER_UNIT / n);
    }],
  ],
  operators: [[`${Q} == ${Q}`, (a: Quantity, b: Quantity) => a.compare(b) === 0]],
};
