import { describe, expect, it } from 'vitest';
import { goQuote, joinQuote, pluralize, sortedSet } from './helpers.js';

describe('check helpers', () => {
  it('goQuote prints as Go %q', () => {
    expect(goQuote('unconfined')).toBe('"unconfined"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\nnl\x00\x7f')).toBe('"tab\\there\\nnl\\x00\\x7f"');
    expect(goQuote('héllo ☃')).toBe('"héllo ☃"');
    expect(goQuote('zero\u200bwidth\u00a0nbsp')).toBe('"zero\\u200bwidth\\u00a0nbsp"');
    expect(goQuote('\u{E0001}')).toBe('"\\U000e0001"');
    expect(goQuote('\ud800')).toBe('"\ufffd"');
  });
  it('joinQuote, pluralize, sortedSet', () => {
    expect(joinQuote([])).toBe('');
    expect(joinQuote(['a', 'b'])).toBe('"a", "b"');
    expect(pluralize('volume', 'volumes', 1)).toBe('volume');
    expect(pluralize('volume', 'volumes', 0)).toBe('volumes');
    expect(sortedSet(['b', 'B', 'a', 'b', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b']);
  });
});
