/**
 * Kubernetes resource quantities ("100m", "1.5Gi", "2e3"), parsed exactly so that a default is
 * never compared with a user's value through floating point. A quantity is kept as the fraction
 * `coefficient * 10^exponent10 * 2^exponent2` with a bigint coefficient, and two quantities are
 * compared by cross-multiplying: "1Gi" vs "1073741824" or "0.5" vs "500m" compare equal.
 *
 * Grammar (resource.Quantity): <sign>?<digits>[.<digits>]<suffix>, where suffix is one of the
 * binary SI suffixes Ki Mi Gi Ti Pi Ei, the decimal SI suffixes n u m "" k M G T P E, or a decimal
 * exponent e<int> / E<int>.
 */

export class QuantityError extends Error {
  readonly code = 'QUANTITY_INVALID';
  constructor(readonly input: string) {
    super(`${JSON.stringify(input)} is not a valid Kubernetes quantity`);
    this.name = 'QuantityError';
  }
}

export interface Quantity {
  /** the digits without the decimal point, signed */
  readonly coefficient: bigint;
  readonly exponent10: number;
  readonly exponent2: number;
}

const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
// keeps 10^exponent affordable as a bigint; far beyond any real resource amount
const MAX_EXPONENT = 1000;
const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

export function parseQuantity(input: string): Quantity {
  const match = typeof input === 'string' ? QUANTITY_RE.exec(input) : null;
  if (!match) throw new QuantityError(String(input));
  const [, sign, number = '', exponentPart, suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let coefficient = BigInt((whole || '0') + fraction);
  if (sign === '-') coefficient = -coefficient;
  let exponent10 = -fraction.length;
  let exponent2 = 0;
  if (exponentPart !== undefined) {
    const exponent = Number(exponentPart.slice(1));
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) throw new QuantityError(input);
    exponent10 += exponent;
  } else if (suffix in BINARY_SUFFIXES) {
    exponent2 = BINARY_SUFFIXES[suffix] ?? 0;
  } else {
    exponent10 += DECIMAL_SUFFIXES[suffix] ?? 0;
  }
  return { coefficient, exponent10, exponent2 };
}

export function isQuantity(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0 or 1 as a is less than, equal to or greater than b; exact. */
export function compareQuantities(a: Quantity | string, b: Quantity | string): -1 | 0 | 1 {
  const left = typeof a === 'string' ? parseQuantity(a) : a;
  const right = typeof b === 'string' ? parseQuantity(b) : b;
  // bring both to the common denominator 10^minExp10 (2^exponent2 is never negative)
  const minExp10 = Math.min(left.exponent10, right.exponent10);
  const l = scaled(left, minExp10);
  const r = scaled(right, minExp10);
  return l < r ? -1 : l > r ? 1 : 0;
}

function scaled(q: Quantity, minExp10: number): bigint {
  return q.coefficient * 10n ** BigInt(q.exponent10 - minExp10) * 2n ** BigInt(q.exponent2);
}

/** The quantity a JSON value spells (YAML `cpu: 1` arrives as a number), or undefined when it is none. */
export function quantityText(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return isQuantity(text) ? text : undefined;
}
