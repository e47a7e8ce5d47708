import { describe } from 'vitest';
import { table } from './table.js';

describe('sets extension', () => {
  table(
    [
      ['sets.contains([], [])', true],
      ['sets.contains([1, 2, 3], [2, 3])', true],
      ['sets.contains([1, 2, 3], [4])', false],
      ['sets.contains([1.0], [1])', true],
      ["sets.contains(object.names, ['a'])", true],
      ['sets.equivalent([1, 2, 2], [2, 1])', true],
      ['sets.equivalent([1, 2], [1, 3])', false],
      ["sets.intersects(object.names, ['x', 'b'])", true],
      ['sets.intersects([1], [2])', false],
      ['sets.intersects([], [1])', false],
      ['sets.contains([[1], [2]], [[2]])', true],
    ],
    { names: ['a', 'b'] },
  );
});
