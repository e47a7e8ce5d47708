import { describe } from 'vitest';
import { table } from './table.js';

const object = { ints: [3, 1, 2], sorted: [1, 2, 2, 5], doubles: [1.5, 2.25], names: ['b', 'a', 'c'], empty: [] };

describe('lists library', () => {
  table(
    [
      ['[1, 2, 3].isSorted()', true],
      ["['a', 'b', 'b', 'c'].isSorted()", true],
      ['[2.0, 1.0].isSorted()', false],
      ['[].isSorted()', true],
      ['object.ints.isSorted()', false],
      ['object.sorted.isSorted()', true],
      ['[1, 3].sum()', 4],
      ['[1.0, 3.0].sum()', 4],
      ['object.ints.sum()', 6],
      ['object.doubles.sum()', 3.75],
      ['object.empty.sum()', 0],
      ['[].sum()', 0],
      ['[9223372036854775807, 1].sum()', { error: 'integer overflow' }],
      ['[1, 3].min()', 1],
      ['[1, 3].max()', 3],
      ['object.ints.min()', 1],
      ['object.names.max()', 'c'],
      ['[].min()', { error: 'min called on empty list' }],
      ['object.empty.max()', { error: 'max called on empty list' }],
      ['[1, 2, 2, 3].indexOf(2)', 1],
      ["['a', 'b', 'b', 'c'].lastIndexOf('b')", 2],
      ['[1.0].indexOf(1.1)', -1],
      ["[].indexOf('string')", -1],
      ['object.ints.indexOf(2)', 2],
      ['[[1], [2]].indexOf([2])', 1],
    ],
    object,
  );
});
