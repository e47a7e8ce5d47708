import { describe } from 'vitest';
import { table } from './table.js';

describe('quantity library', () => {
  table([
    // parsing: decimal, binary, exponent suffixes; exact values
    ["quantity('12Mi').asInteger()", 12582912],
    ["quantity('1.5Gi').asInteger()", 1610612736],
    ["quantity('1k').asInteger()", 1000],
    ["quantity('1e3').asInteger()", 1000],
    ["quantity('1E-3').asApproximateFloat()", 0.001],
    ["quantity('500m').asApproximateFloat()", 0.5],
    ["quantity('50.703k').asApproximateFloat()", 50703],
    ["quantity('-1.5Ki').asInteger()", -1536],
    ["quantity('+2').asInteger()", 2],
    ["quantity('0.1n') == quantity('1n')", true], // below nano precision: rounded up
    ["quantity('1.0000000001') == quantity('1.000000001')", true],
    // errors, with the apiserver's messages
    ["quantity('bad')", { error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" }],
    ["quantity('10Mo')", { error: 'quantities must match the regular expression' }],
    ["quantity('10Mm')", { error: "unable to parse quantity's suffix" }],
    ["quantity('200K')", { error: "unable to parse quantity's suffix" }],
    ["quantity('')", { error: 'quantities must match the regular expression' }],
    ["quantity('1.5.5')", { error: 'quantities must match the regular expression' }],
    ["isQuantity('20')", true],
    ["isQuantity('20Mi')", true],
    ["isQuantity('1,3G')", false],
    ["isQuantity('200K')", false],
    ["isQuantity('Three')", false],
    // equality and comparison across suffixes
    ["quantity('200M') == quantity('0.2G')", true],
    ["quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M')", true],
    ["quantity('200M') == quantity('0.3G')", false],
    ["quantity('50M').isLessThan(quantity('50Mi'))", true],
    ["quantity('100M').isLessThan(quantity('50M'))", false],
    ["quantity('50Mi').isGreaterThan(quantity('50M'))", true],
    ["quantity('1Gi').isGreaterThan(quantity('1024Mi'))", false],
    ["quantity('200M').compareTo(quantity('0.2G'))", 0],
    ["quantity('50M').compareTo(quantity('50Mi'))", -1],
    ["quantity('50Mi').compareTo(quantity('50M'))", 1],
    // sign, arithmetic
    ["quantity('-1').sign()", -1],
    ["quantity('0').sign()", 0],
    ["sign(quantity('5m'))", 1],
    ["quantity('50k').add(quantity('20')) == quantity('50.02k')", true],
    ["quantity('50k').add(20).isLessThan(quantity('50020'))", false],
    ["quantity('50k').sub(quantity('20')) == quantity('49.98k')", true],
    ["quantity('50k').sub(20) == quantity('49980')", true],
    ["quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger()", 20],
    ["quantity('50k').mul(2) == quantity('100000')", true],
    ["quantity('10k').div(2) == quantity('5000')", true],
    ["quantity('10000').div(3).asApproximateFloat()", 3333.3333],
    ["quantity('10000').divInt(3) == quantity('3333')", true],
    ["quantity('1').div(0)", { error: 'division by zero error' }],
    // integer conversion
    ["quantity('50k').asInteger()", 50000],
    ["quantity('50').isInteger()", true],
    ["quantity('1.5').isInteger()", false],
    ["quantity('9999999999999999999999999999999999999G').isInteger()", false],
    ["quantity('9999999999999999999999999999999999999G').asInteger()", { error: 'cannot convert value to integer' }],
    ["quantity('500m').asInteger()", { error: 'cannot convert value to integer' }],
    // result conversion: a quantity prints as written
    ["quantity('1.5Gi')", '1.5Gi'],
    ["quantity('1k').add(1)", '1001'],
  ]);
});
