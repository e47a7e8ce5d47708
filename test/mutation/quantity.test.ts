import { describe, expect, it } from 'vitest';
import { compareQuantities, isQuantity, parseQuantity, QuantityError, quantityText } from '../../policies/defaults/quantity.js';

describe('quantity', () => {
  it.each([
    ['100m', '0.1', 0],
    ['1Gi', '1073741824', 0],
    ['1Gi', '1G', 1],
    ['1.5Gi', '1536Mi', 0],
    ['500m', '.5', 0],
    ['1e3', '1k', 0],
    ['1E-3', '1m', 0],
    ['128Mi', '512Mi', -1],
    ['1Ki', '1k', 1],
    ['1000n', '1u', 0],
    ['2', '1999m', 1],
    ['-1', '0', -1],
    ['+1', '1.', 0],
    ['1E', '1000P', 0],
    ['0.000000001', '1n', 0],
  ])('%s compared with %s is %i', (a, b, expected) => {
    expect(compareQuantities(a, b)).toBe(expected);
    expect(compareQuantities(b, a)).toBe(-expected || 0);
  });

  it('parses into an exact coefficient and exponents', () => {
    expect(parseQuantity('1.5Gi')).toEqual({ coefficient: 15n, exponent10: -1, exponent2: 30 });
    expect(parseQuantity('-250m')).toEqual({ coefficient: -250n, exponent10: -3, exponent2: 0 });
  });

  it.each(['', ' 1', '1 ', '1.2.3', 'Mi', '1mi', '1KiB', '1e', '1e1.5', '1e2000', '--1', '0x10', '1Gi1'])(
    'rejects %j with QuantityError',
    (input) => {
      expect(() => parseQuantity(input)).toThrow(new QuantityError(input));
      expect(() => parseQuantity(input)).toThrow(`${JSON.stringify(input)} is not a valid Kubernetes quantity`);
      expect(isQuantity(input)).toBe(false);
    },
  );

  it('reads numbers as YAML gives them (cpu: 1)', () => {
    expect(quantityText(2)).toBe('2');
    expect(quantityText(0.5)).toBe('0.5');
    expect(quantityText(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(quantityText('lots')).toBeUndefined();
    expect(quantityText(null)).toBeUndefined();
  });
});
