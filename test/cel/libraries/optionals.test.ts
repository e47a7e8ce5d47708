import { describe } from 'vitest';
import { table } from './table.js';

const object = { spec: { hostNetwork: true, containers: [{ name: 'a' }] }, metadata: { labels: { app: 'web' } } };

describe('optionals', () => {
  table(
    [
      ['object.?spec.?hostNetwork.orValue(false)', true],
      ['object.?spec.?hostPID.orValue(false)', false],
      ["object.?metadata.?labels[?'app'].orValue('none')", 'web'],
      ["object.?metadata.?labels[?'tier'].orValue('none')", 'none'],
      ['object.spec.containers[?0].hasValue()', true],
      ['object.spec.containers[?3].hasValue()', false],
      ['optional.of(1).value()', 1],
      ['optional.none().hasValue()', false],
      ['optional.none().or(optional.of(2)).value()', 2],
      ['optional.of(1).or(optional.of(2)).value()', 1],
      ['optional.none().value()', { error: 'Optional value is not present' }],
      ["optional.ofNonZeroValue('').hasValue()", false],
      ['optional.ofNonZeroValue(0).hasValue()', false],
      ['optional.ofNonZeroValue([]).hasValue()', false],
      ["optional.ofNonZeroValue('x').value()", 'x'],
      ['object.?spec.?containers', [{ name: 'a' }]],
      ['object.?spec.?nothing', null],
    ],
    object,
  );
});
