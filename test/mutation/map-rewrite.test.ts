import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MapExpressionError, resolveRewriteMarkers, rewriteMutationExpression } from '../../src/loaders/map-expression.js';
import { mergeApplyConfiguration } from '../../src/loaders/map-merge.js';

describe('rewriteMutationExpression', () => {
  it.each([
    ['Object{spec: Object.spec{replicas: 1}}', '{"spec": dyn( {"replicas": dyn( 1)})}'],
    ['.Object{}', '{}'],
    ['x + . Object{}', 'x +  {}'],
    ['[JSONPatch{op: "remove", path: "/a"},]', '[{"op": dyn( "remove"), "path": dyn( "/a")},]'],
    ['Object{?a: optional.none()}', '{"\uE002a": dyn( optional.none())}'],
    ['"/x/" + jsonpatch.escapeKey(k)', '"/x/" + ("\\uE000" + (k) + "\\uE001")'],
    ['x in {"a": Object{}}', 'x in {"a": {}}'],
  ])('%s', (source, text) => {
    const result = rewriteMutationExpression(source);
    expect(result.text).toBe(text);
    expect(result.rewritten).toBe(true);
    expect(result.sourceOffsets).toHaveLength(text.length);
  });

  it.each([
    'object.spec.replicas > 1',
    '"Object{a: 1}" + \'Foo{\' + r"X{" + """T{"""',
    'b"Object{" == x // Object{ in a comment',
    'object.metadata.labels.all(k, k != "x")',
  ])('leaves %s unchanged', (source) => {
    const result = rewriteMutationExpression(source);
    expect(result.text).toBe(source);
    expect(result.rewritten).toBe(false);
  });

  it.each([
    ['Object{spec: 1', 'unclosed Object{', 14],
    ['Object{spec: [1}', 'unbalanced }', 15],
    ['Object{1: 2}', 'expected a field name in Object{...}', 7],
    ['"abc', 'unterminated string literal', 0],
  ])('rejects %s', (source, message, offset) => {
    let caught: unknown;
    try {
      rewriteMutationExpression(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MapExpressionError);
    expect((caught as MapExpressionError).message).toBe(message);
    expect((caught as MapExpressionError).offset).toBe(offset);
  });

  it('resolves markers after evaluation', () => {
    expect(
      resolveRewriteMarkers({ path: '/metadata/labels/\uE000a/b~c\uE001', '\uE002gone': null, '\uE002kept': 0, list: ['\uE000x/y\uE001'] }),
    ).toEqual({ path: '/metadata/labels/a~1b~0c', kept: 0, list: ['x~1y'] });
  });
});

describe('mergeApplyConfiguration (schema-less structured merge)', () => {
  it('merges container ports by containerPort+protocol (TCP by default) and Service ports by port+protocol', () => {
    const pod = { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] }] } };
    const merged = mergeApplyConfiguration(pod, { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] }] } });
    expect(merged).toEqual({ spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] }] } });
    const service = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    expect(mergeApplyConfiguration(service, { spec: { ports: [{ port: 443 }] } })).toEqual({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } });
  });

  it('unions finalizers, replaces unkeyed lists, ignores nulls and leaves the input unchanged', () => {
    const object = { metadata: { finalizers: ['a'], labels: { x: '1' } }, spec: { tolerations: [{ key: 'k' }], keep: 1 } };
    const before = structuredClone(object);
    expect(mergeApplyConfiguration(object, { metadata: { finalizers: ['b', 'a'], labels: null }, spec: { tolerations: [{ key: 'z' }] } })).toEqual({
      metadata: { finalizers: ['a', 'b'], labels: { x: '1' } },
      spec: { tolerations: [{ key: 'z' }], keep: 1 },
    });
    expect(object).toEqual(before);
  });
});

describe('mergeApplyConfiguration properties', () => {
  const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean());
  const container = fc.record({ name: fc.constantFrom('a', 'b', 'c'), image: fc.option(leaf, { nil: undefined }), args: fc.option(fc.array(leaf, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['name'] });
  const containers = fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 3 });
  const doc = fc.record(
    {
      metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('x', 'y', 'a/b'), fc.string({ maxLength: 2 }), { maxKeys: 2 }), finalizers: fc.uniqueArray(fc.constantFrom('f1', 'f2', 'f3')) }, { requiredKeys: [] }),
      spec: fc.record({ replicas: fc.integer(), containers, extra: fc.dictionary(fc.string({ maxLength: 2 }), leaf, { maxKeys: 3 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

  it('is idempotent and keeps every key the configuration does not name', () => {
    fc.assert(
      fc.property(doc, doc, (objectArb, configArb) => {
        const object = plain(objectArb);
        const config = plain(configArb);
        const once = mergeApplyConfiguration(object, config);
        expect(mergeApplyConfiguration(once, config)).toEqual(once);
        for (const key of Object.keys(object)) expect(once).toHaveProperty([key]);
      }),
      { numRuns: 300 },
    );
  });
});
