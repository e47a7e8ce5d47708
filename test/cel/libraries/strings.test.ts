import { describe } from 'vitest';
import { table } from './table.js';

describe('strings extension (v2)', () => {
  table(
    [
      ["'hello'.charAt(1)", 'e'],
      ["'hello'.charAt(5)", ''],
      ["'héllo😀x'.charAt(5)", '😀'],
      ["'hello'.charAt(6)", { error: 'index out of range: 6' }],
      ["'hello'.charAt(-1)", { error: 'index out of range: -1' }],
      ["'hello hello'.replace('he', 'we')", 'wello wello'],
      ["'hello hello'.replace('he', 'we', 1)", 'wello hello'],
      ["'hello hello'.replace('he', 'we', 0)", 'hello hello'],
      ["'abc'.replace('', '-')", '-a-b-c-'],
      ["'%s is %d years, %.2f%%'.format(['Ann', 42, 1.5])", 'Ann is 42 years, 1.50%'],
      ["'%s'.format([[1, 'a']])", '[1, a]'],
      ["'%.0f %.0f %.1f'.format([2.5, 3.5, 0.25])", '2 4 0.2'],
      ["'%s'.format([type(1)])", 'int'],
      ["'%s %s'.format([true, null])", 'true null'],
      ["'%x %X %o %b'.format([255, 255, 8, 5])", 'ff FF 10 101'],
      ["'%x'.format(['hi'])", '6869'],
      ["'%e'.format([1234.5])", '1.234500e+03'],
      ["'%d'.format([1.5])", { error: 'decimal clause can only be used on integers' }],
      ["'%s %s'.format(['only one'])", { error: 'index 1 out of range' }],
      ["'%q'.format([1])", { error: 'unrecognized formatting clause' }],
      ["strings.quote('a\"b\\nc')", '"a\\"b\\nc"'],
      ["'ABC dé'.lowerAscii()", 'abc dé'],
      ["'abc dé'.upperAscii()", 'ABC Dé'],
      ["object.name.upperAscii()", 'POD'],
      ["'  x '.trim()", 'x'],
      ["'a,b,c'.split(',')", ['a', 'b', 'c']],
      ["'a,b,c'.split(',', 2)", ['a', 'b,c']],
      ["['a', 'b'].join('-')", 'a-b'],
      ["'hello'.indexOf('l')", 2],
      ["'hello'.lastIndexOf('l')", 3],
      ["'hello'.substring(1, 3)", 'el'],
      ["'hello'.substring(4, 2)", { error: 'index out of range' }],
    ],
    { name: 'pod' },
  );
});
