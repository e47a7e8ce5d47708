import { describe, expect, it } from 'vitest';
import { CelCompileError, CelCostLimitError, CelEvaluationError, createCelEnvironment, jsonToCel } from '../../src/cel/index.js';
import { env, errorOf, evaluate, input } from './helpers.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas: 3, ratio: 0.5, containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 8080 }] }] },
};

describe('variables of the Kubernetes environment', () => {
  it('offers object, oldObject, request, params and namespaceObject', () => {
    const act = env.activation({
      object: pod,
      oldObject: { ...pod, metadata: { ...pod.metadata, name: 'old' } },
      request: { operation: 'UPDATE', userInfo: { username: 'alice' } },
      params: { data: { max: '2' } },
      namespaceObject: { metadata: { name: 'default', labels: { env: 'prod' } } },
    });
    const run = (e: string): unknown => env.compile(e).evaluate(act);
    expect(run('object.metadata.name')).toBe('web');
    expect(run('oldObject.metadata.name')).toBe('old');
    expect(run("request.operation == 'UPDATE' && request.userInfo.username == 'alice'")).toBe(true);
    expect(run('int(params.data.max)')).toBe(2);
    expect(run("namespaceObject.metadata.labels.env == 'prod'")).toBe(true);
  });

  it('gives oldObject as null on CREATE', () => {
    expect(evaluate('oldObject == null', { object: pod })).toBe(true);
  });

  it('converts JSON integers to CEL int and other numbers to double', () => {
    const o = { object: pod };
    expect(evaluate('object.spec.replicas + 1', o)).toBe(4);
    expect(evaluate('object.spec.replicas == 3', o)).toBe(true);
    expect(evaluate('type(object.spec.replicas) == int', o)).toBe(true);
    expect(evaluate('type(object.spec.ratio) == double', o)).toBe(true);
    expect(evaluate('object.spec.ratio * 2.0', o)).toBe(1);
    expect(evaluate('object.spec.containers[0].ports[0].containerPort > 1024', o)).toBe(true);
    expect(evaluate('type(object.big) == double', { object: { big: 1e20 } })).toBe(true);
    expect(evaluate('type(object.n) == int && object.n == -9007199254740991', { object: { n: -9007199254740991 } })).toBe(true);
  });

  it('converts results back to plain JSON values', () => {
    expect(evaluate('[1, 2.5, "x", true, null, {"k": [3]}]')).toEqual([1, 2.5, 'x', true, null, { k: [3] }]);
    expect(evaluate('9223372036854775807')).toBe('9223372036854775807');
    expect(evaluate('-9007199254740991')).toBe(-9007199254740991);
    expect(evaluate('uint(7)')).toBe(7);
    expect(evaluate("b'hi'")).toBe('aGk=');
    expect(evaluate("timestamp('2024-01-02T03:04:05Z')")).toBe('2024-01-02T03:04:05.000Z');
    expect(evaluate("duration('90s')")).toBe('90s');
    expect(evaluate('optional.of(1)')).toBe(1);
    expect(evaluate('optional.none()')).toBeNull();
  });

  it('compares JSON integers with doubles across types, as the apiserver does', () => {
    expect(evaluate('object.spec.replicas == 3.0', { object: pod })).toBe(true);
    expect(evaluate('object.spec.replicas < 3.5', { object: pod })).toBe(true);
  });

  it('converts each input object once per shared map and shares the result between activations', () => {
    const shared = new Map<object, unknown>();
    const a = env.activation(input({ object: pod }), [], shared);
    const b = env.activation(input({ object: pod }), [], shared);
    expect(a.context.object).toBe(b.context.object);
    expect(jsonToCel(pod, shared)).toBe(a.context.object);
    expect(env.activation(input({ object: structuredClone(pod) }), [], shared).context.object).not.toBe(a.context.object);
    // without a shared map (another review), the conversion is made afresh
    expect(env.activation(input({ object: pod })).context.object).not.toBe(a.context.object);
    expect(env.activation(input({ object: pod })).context.object).toStrictEqual(a.context.object);
  });

  it('keeps prototype keys harmless', () => {
    const object = JSON.parse('{"m": {"__proto__": {"x": 1}, "a": 1}}') as unknown;
    expect(evaluate("'constructor' in object.m", { object })).toBe(false);
    expect(evaluate('has(object.m.__proto__)', { object })).toBe(true);
    expect(evaluate("'toString' in object.m", { object })).toBe(false);
  });
});

describe('spec.variables', () => {
  it('evaluates lazily, once per activation, and in dependency order', () => {
    const calls: string[] = [];
    const counting = createCelEnvironment();
    const a = counting.compile('object.spec.replicas * 2', { variables: [] });
    const b = counting.compile('variables.a + 1', { variables: ['a'] });
    const unused = counting.compile('1 / 0', { variables: ['a', 'b'] });
    const wrap = (name: string, p: typeof a): typeof a => ({
      source: p.source,
      evaluate: (act) => p.evaluate(act),
      evaluateRaw: (act) => {
        calls.push(name);
        return p.evaluateRaw(act);
      },
    });
    const act = counting.activation(input({ object: pod }), [
      { name: 'a', program: wrap('a', a) },
      { name: 'b', program: wrap('b', b) },
      { name: 'unused', program: wrap('unused', unused) },
    ]);
    const check = counting.compile('variables.b == 7 && variables.a == 6 && variables.b > 0', { variables: ['a', 'b', 'unused'] });
    expect(check.evaluate(act)).toBe(true);
    expect(check.evaluate(act)).toBe(true);
    expect(calls).toEqual(['b', 'a']);
  });

  it('keeps the variables of activations apart when they share one variables list', () => {
    const name = env.compile('object.metadata.name');
    const variables = [{ name: 'name', program: name }];
    const first = env.activation(input({ object: pod }), variables);
    const second = env.activation(input({ object: { ...pod, metadata: { name: 'other' } } }), variables);
    const read = env.compile("variables.name + '/' + variables.name", { variables: ['name'] });
    expect(read.evaluate(second)).toBe('other/other');
    expect(read.evaluate(first)).toBe('web/web');
    expect(env.compile("'name' in variables && size(variables) == 1", { variables: ['name'] }).evaluate(first)).toBe(true);
  });

  it('surfaces an error in a variable where the variable is used', () => {
    const bad = env.compile('object.missing.field', { field: 'spec.variables[0].expression' });
    const act = env.activation(input({ object: pod }), [{ name: 'bad', program: bad }]);
    expect(env.compile('true', { variables: ['bad'] }).evaluate(act)).toBe(true);
    const use = env.compile('variables.bad == 1', { field: 'spec.validations[0].expression', variables: ['bad'] });
    expect(() => use.evaluate(act)).toThrow(CelEvaluationError);
    expect(() => use.evaluate(act)).toThrow(/^spec\.validations\[0\]\.expression: expression evaluation failed: variables\.bad: No such key: missing$/);
  });

  it('rejects an undeclared variable name at compile time', () => {
    const error = (() => {
      try {
        env.compile('variables.a + variables.nope', { field: 'spec.validations[1].expression', variables: ['a'] });
      } catch (e) {
        return e as CelCompileError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(CelCompileError);
    expect(error.code).toBe('CEL_COMPILE');
    expect(error.message.split('\n')[0]).toBe(
      "spec.validations[1].expression: ERROR: <input>:1:25: undefined field 'nope' (not declared in spec.variables before this expression)",
    );
    expect([error.line, error.column]).toEqual([1, 25]);
  });
});

describe('compile errors', () => {
  const compileError = (expression: string, options = {}): CelCompileError => {
    try {
      env.compile(expression, { field: 'spec.validations[2].expression', ...options });
    } catch (e) {
      return e as CelCompileError;
    }
    throw new Error('no error');
  };

  it('names the field, line and column of a syntax error', () => {
    const e = compileError('object.spec.\n  replicas >');
    expect(e).toBeInstanceOf(CelCompileError);
    expect(e.code).toBe('CEL_COMPILE');
    expect(e.field).toBe('spec.validations[2].expression');
    expect(e.message).toMatch(/^spec\.validations\[2\]\.expression: ERROR: <input>:2:\d+: /);
    expect(e.line).toBe(2);
  });

  it('reports undeclared references and type errors', () => {
    expect(compileError('foo + 1').message.split('\n')[0]).toBe("spec.validations[2].expression: ERROR: <input>:1:1: undeclared reference to 'foo'");
    expect(compileError('1 + "a"').reason).toBe('no such overload: int + string');
    expect(compileError("quantity(1)").reason).toBe("found no matching overload for 'quantity(int)'");
    expect(compileError("'x'.charAt('y')").reason).toBe("found no matching overload for 'string.charAt(string)'");
  });

  it('shows the source line with a caret', () => {
    expect(compileError('object.spec.replicas + nope').message).toBe(
      "spec.validations[2].expression: ERROR: <input>:1:24: undeclared reference to 'nope'\n | object.spec.replicas + nope\n | .......................^",
    );
  });

  it('rejects authorizer, params without paramKind, and empty expressions', () => {
    expect(compileError("authorizer.group('apps').check('get').allowed()").reason).toBe(
      "undeclared reference to 'authorizer' (portcullis does not offer the authorizer library)",
    );
    expect(compileError('params.x == 1', { hasParams: false }).reason).toBe("undeclared reference to 'params' (the policy has no paramKind)");
    expect(env.compile('params == null', { hasParams: true }).source).toBe('params == null');
    expect(env.compile('[1].all(params, params > 0)', { hasParams: false }).source).toContain('params');
    expect(compileError('   ').reason).toBe('expression is empty');
  });

  it('applies the parse-time limits', () => {
    const deep = `${'('.repeat(150)}1${')'.repeat(150)}`;
    expect(compileError(deep).message).toMatch(/^spec\.validations\[2\]\.expression: ERROR: <input>:1:\d+: .*depth/i);
    const long = `[${Array.from({ length: 1500 }, (_, i) => i).join(',')}]`;
    expect(compileError(long).reason).toMatch(/list/i);
  });
});

describe('evaluation errors', () => {
  it('reject matches() on a value that is not a string', () => {
    expect(errorOf("object.spec.replicas.matches('3')", { object: pod }).message).toBe(
      "expression evaluation failed: <input>:1:1: found no matching overload for 'matches' applied to '(int, string)'",
    );
  });

  it('are CelEvaluationError with code, field and position', () => {
    const program = env.compile('object.spec.replicas / 0 == 1', { field: 'spec.validations[0].expression' });
    let error: CelEvaluationError | undefined;
    try {
      program.evaluate(env.activation(input({ object: pod })));
    } catch (e) {
      error = e as CelEvaluationError;
    }
    expect(error).toBeInstanceOf(CelEvaluationError);
    expect(error?.code).toBe('CEL_EVAL');
    expect(error?.message).toBe('spec.validations[0].expression: expression evaluation failed: <input>:1:1: division by zero');
  });

  it('reports a missing field', () => {
    expect(errorOf('object.spec.nodeName == "x"', { object: pod }).message).toBe(
      'expression evaluation failed: <input>:1:13: No such key: nodeName',
    );
  });
});

describe('evaluation budget', () => {
  const nested = '[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a + b + c > 0)))';

  it('lets an expression within the budget finish', () => {
    expect(createCelEnvironment({ costLimit: 100_000 }).compile(nested).evaluate(env.activation(input()))).toBe(true);
  });

  it('stops an expression over the budget with CelCostLimitError naming it', () => {
    const small = createCelEnvironment({ costLimit: 500 });
    const program = small.compile(nested, { field: 'spec.validations[3].expression' });
    let error: CelCostLimitError | undefined;
    try {
      program.evaluate(small.activation(input()));
    } catch (e) {
      error = e as CelCostLimitError;
    }
    expect(error).toBeInstanceOf(CelCostLimitError);
    expect(error?.code).toBe('CEL_COST');
    expect(error?.message).toBe('spec.validations[3].expression: operation cancelled: actual cost limit exceeded (limit 500)');
  });

  it('names the expression when no field is given', () => {
    const small = createCelEnvironment({ costLimit: 10 });
    expect(() => small.compile('[1,2,3,4,5,6,7,8,9,10,11,12].map(x, x * 2)').evaluate(small.activation(input()))).toThrow(
      "expression '[1,2,3,4,5,6,7,8,9,10,11,12].map(x, x * 2)': operation cancelled: actual cost limit exceeded (limit 10)",
    );
  });

  it('is not escaped by error-absorbing operators', () => {
    const small = createCelEnvironment({ costLimit: 200 });
    const program = small.compile(`${nested} || true`);
    expect(() => program.evaluate(small.activation(input()))).toThrow(CelCostLimitError);
    const exists = small.compile('[1,2,3,4,5,6,7,8,9,10].exists(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, c > 0)) && false)');
    expect(() => exists.evaluate(small.activation(input()))).toThrow(CelCostLimitError);
  });

  it('charges a variable to its own budget and fails the user of the variable', () => {
    const small = createCelEnvironment({ costLimit: 300 });
    const heavy = small.compile(nested, { field: 'spec.variables[0].expression' });
    const act = small.activation(input(), [{ name: 'heavy', program: heavy }]);
    const use = small.compile('variables.heavy || true', { field: 'spec.validations[0].expression', variables: ['heavy'] });
    expect(() => use.evaluate(act)).toThrow('spec.validations[0].expression: operation cancelled: actual cost limit exceeded (limit 300) (in variables.heavy)');
  });

  it('counts regex work on large inputs', () => {
    const small = createCelEnvironment({ costLimit: 50 });
    const act = small.activation(input({ object: { s: 'a'.repeat(100_000) } }));
    expect(() => small.compile("object.s.matches('b')").evaluate(act)).toThrow(CelCostLimitError);
  });

  it('stops on the optional time limit', () => {
    const timed = createCelEnvironment({ costLimit: 1e12, timeLimitMs: 5 });
    const huge = timed.compile('[' + Array.from({ length: 200 }, (_, i) => i).join(',') + '].all(a, [' + Array.from({ length: 200 }, (_, i) => i).join(',') + '].all(b, [' + Array.from({ length: 200 }, (_, i) => i).join(',') + '].all(c, a + b + c >= 0)))', { field: 'f' });
    expect(() => huge.evaluate(timed.activation(input()))).toThrow('f: operation cancelled: time limit exceeded (limit 5 ms)');
    expect(() => createCelEnvironment({ timeLimitMs: -1 })).toThrow('timeLimitMs must be a positive number, got -1');
  });

  it('rejects a non-positive limit', () => {
    expect(() => createCelEnvironment({ costLimit: 0 })).toThrow('costLimit must be a positive number, got 0');
  });
});
