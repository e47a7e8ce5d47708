import { describe, expect, it } from 'vitest';
import { CelCompileError, CelCostLimitError, createCelEnvironment } from '../../../src/cel/index.js';
import { env, input } from '../helpers.js';
import { table } from './table.js';

const object = { metadata: { labels: { app: 'web', tier: 'front' } }, ports: [80, 443] };

describe('two-variable comprehensions', () => {
  table(
    [
      ['[10, 20].all(i, v, v > i)', true],
      ['[10, 20].all(i, v, i == 0)', false],
      ["object.metadata.labels.all(k, v, k.size() > 2 && v != '')", true],
      ["object.metadata.labels.exists(k, v, k == 'tier' && v == 'front')", true],
      ["object.metadata.labels.exists(k, v, v == 'back')", false],
      ['[1, 2, 3].existsOne(i, v, v == 2)', true],
      ['[1, 2, 3].exists_one(i, v, v > 1)', false],
      ['object.ports.transformList(i, p, i * 1000 + p)', [80, 1443]],
      ['object.ports.transformList(i, p, p > 100, p)', [443]],
      ["object.metadata.labels.transformMap(k, v, k + '=' + v)", { app: 'app=web', tier: 'tier=front' }],
      ["object.metadata.labels.transformMap(k, v, k != 'app', v)", { tier: 'front' }],
      ['[1, 0].all(i, v, 1 / v > 0)', { error: 'division by zero' }],
      ['[1, 0].exists(i, v, 1 / v > 0)', true],
      ['[0, 1].all(i, v, 1 / v > 5)', false],
    ],
    object,
  );

  it('rejects a non-identifier variable at compile time', () => {
    expect(() => env.compile('[1].all(1, v, true)')).toThrow(CelCompileError);
    expect(() => env.compile('[1].all(1, v, true)')).toThrow('ERROR: <input>:1:9: all() first argument must be a simple name');
  });

  it('charges every step to the budget', () => {
    const small = createCelEnvironment({ costLimit: 50 });
    const program = small.compile('[1,2,3,4,5,6,7,8].all(i, a, [1,2,3,4,5,6,7,8].all(j, b, a + b > 0))');
    expect(() => program.evaluate(small.activation(input()))).toThrow(CelCostLimitError);
  });
});
