import { describe, expect, it } from 'vitest';
import { compileRe2, re2CacheSize } from '../../../src/cel/re2.js';
import { evaluate } from '../helpers.js';
import { table } from './table.js';

describe('regex library (RE2)', () => {
  table([
    ["'abc 123'.find('[0-9]+')", '123'],
    ["'abc'.find('[0-9]+')", ''],
    ["'123 abc 456'.findAll('[0-9]+')", ['123', '456']],
    ["'123 abc 456'.findAll('[0-9]+', 1)", ['123']],
    ["'123 abc 456'.findAll('[0-9]+', 0)", []],
    ["'123 abc 456'.findAll('[0-9]+', -1)", ['123', '456']],
    ["'abc'.findAll('xyz')", []],
    ["'abc'.find('(')", { error: "invalid regular expression '('" }],
    // matches: RE2 semantics (partial match, inline flags, POSIX classes, \\z)
    ["'abc'.matches('(?i)ABC')", true],
    ["'xabcx'.matches('abc')", true],
    ["'abc'.matches('^[[:alpha:]]+$')", true],
    ["'abc'.matches('c\\\\z')", true],
    ["matches('nginx:1.25', '^nginx:[0-9.]+$')", true],
    ["'a'.matches('(?<name>a)')", true],
    ["'a'.matches('a++')", { error: 'invalid regular expression' }],
    ["'ÀB'.lowerAscii()", 'Àb'],
  ]);

  it('answers a catastrophic-backtracking pattern (ReDoS with JS RegExp) with false', () => {
    const hostile = `${'a'.repeat(5000)}!`;
    expect(evaluate("object.s.matches('(a+)+$')", { object: { s: hostile } })).toBe(false);
    expect(evaluate("object.s.matches('^(\\\\w+\\\\s?)*$')", { object: { s: hostile } })).toBe(false);
  });

  it('keeps a bounded cache of compiled patterns', () => {
    for (let i = 0; i < 600; i++) compileRe2(`x${i}`);
    expect(re2CacheSize()).toBe(512);
    expect(compileRe2('x599')).toBe(compileRe2('x599'));
  });
});
