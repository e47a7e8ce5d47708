 
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/index.js';
import { checkMutatedObject, cloneJson, createPatch, encodePatch, PatchError } from '../../src/admission/patch.js';
import type { JsonPatchOperation } from '../../src/admission/patch.js';

function apply(original: KubeObject, ops: JsonPatchOperation[]): KubeObject {
  return jsonpatch.applyPatch(structuredClone(original), ops as jsonpatch.Operation[], true, true).newDocument;
}

const base: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', resourceVersion: '42', labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'app', image: 'nginx:1.27', resources: { limits: { memory: '1Gi' } } }],
  },
  status: { phase: 'Pending' },
};

describe('createPatch', () => {
  it('returns no operation when nothing changed', () => {
    expect(createPatch(base, structuredClone(base))).toEqual([]);
  });

  it('changes one leaf with one replace, not the enclosing object', () => {
    const final = structuredClone(base);
    (final.spec as any).containers[0].resources.limits.memory = '2Gi';
    expect(createPatch(base, final)).toEqual([
      { op: 'replace', path: '/spec/containers/0/resources/limits/memory', value: '2Gi' },
    ]);
  });

  it('adds a missing field inside an existing object with one add at the deepest new key', () => {
    const final = structuredClone(base);
    (final.spec as any).containers[0].resources.requests = { cpu: '100m' };
    expect(createPatch(base, final)).toEqual([
      { op: 'add', path: '/spec/containers/0/resources/requests', value: { cpu: '100m' } },
    ]);
  });

  it('escapes ~ as ~0 and / as ~1 in label and annotation keys', () => {
    const original: KubeObject = {
      ...structuredClone(base),
      metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web', 'x~y': 'old' }, annotations: { 'a~/b': '1' } },
    };
    const final = structuredClone(original);
    final.metadata!.labels!['app.kubernetes.io/name'] = 'shop';
    delete final.metadata!.labels!['x~y'];
    final.metadata!.labels!['team~/owner'] = 'platform';
    final.metadata!.annotations!['a~/b'] = '2';
    const ops = createPatch(original, final);
    expect(ops).toEqual([
      { op: 'replace', path: '/metadata/annotations/a~0~1b', value: '2' },
      { op: 'remove', path: '/metadata/labels/x~0y' },
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'shop' },
      { op: 'add', path: '/metadata/labels/team~0~1owner', value: 'platform' },
    ]);
    expect(apply(original, ops)).toEqual(final);
  });

  it('patches lists by index: appended, changed and removed items', () => {
    const original: KubeObject = { kind: 'Pod', spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    const appended = structuredClone(original);
    (appended.spec as any).containers.push({ name: 'd' });
    expect(createPatch(original, appended)).toEqual([{ op: 'add', path: '/spec/containers/3', value: { name: 'd' } }]);

    const shortened = structuredClone(original);
    (shortened.spec as any).containers.splice(1, 2, { name: 'x' });
    const ops = createPatch(original, shortened);
    // highest index removed first, so the operations apply in sequence
    expect(ops).toEqual([
      { op: 'remove', path: '/spec/containers/2' },
      { op: 'replace', path: '/spec/containers/1/name', value: 'x' },
    ]);
    expect(apply(original, ops)).toEqual(shortened);
  });

  it('drops every operation on status and metadata.resourceVersion', () => {
    const final = structuredClone(base);
    (final.status as any).phase = 'Running';
    (final.status as any).podIP = '10.0.0.1';
    final.metadata!.resourceVersion = '43';
    final.metadata!.labels!.tier = 'front';
    expect(createPatch(base, final)).toEqual([{ op: 'add', path: '/metadata/labels/tier', value: 'front' }]);

    const noStatus = structuredClone(base);
    delete noStatus.status;
    expect(createPatch(base, noStatus)).toEqual([]);
    const withStatus = structuredClone(noStatus);
    withStatus.status = { phase: 'x' };
    expect(createPatch(noStatus, withStatus)).toEqual([]);
  });

  it('keeps the original resourceVersion when a whole metadata object is added', () => {
    const original: KubeObject = { kind: 'Pod', spec: {} };
    const final: KubeObject = { kind: 'Pod', spec: {}, metadata: { labels: { a: 'b' }, resourceVersion: '9' } };
    expect(createPatch(original, final)).toEqual([{ op: 'add', path: '/metadata', value: { labels: { a: 'b' } } }]);
  });

  it('is deterministic: equal inputs built separately give the identical patch', () => {
    const build = (): [KubeObject, KubeObject] => {
      const original = structuredClone(base);
      const final = structuredClone(base);
      (final.spec as any).containers[0].securityContext = { allowPrivilegeEscalation: false };
      (final.spec as any).securityContext = { seccompProfile: { type: 'RuntimeDefault' } };
      (final.spec as any).containers[0].resources.requests = { memory: '1Gi' };
      return [original, final];
    };
    const first = JSON.stringify(createPatch(...build()));
    for (let i = 0; i < 5; i++) expect(JSON.stringify(createPatch(...build()))).toBe(first);
  });

  it('refuses something that is not an object', () => {
    expect(() => createPatch(base, [] as unknown as KubeObject)).toThrow(PatchError);
    expect(() => createPatch(base, null as unknown as KubeObject)).toThrow(
      'createPatch needs two objects (the review object before and after mutation)',
    );
  });

  it('round-trips any JSON change outside status/resourceVersion (property)', () => {
    const key = fc.oneof(fc.constantFrom('a', 'b', 'a/b', 'x~y', '~1', '/', '~', '0', 'status'), fc.string({ maxLength: 4 }));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.string({ maxLength: 5 }),
        fc.array(tie('value'), { maxLength: 4 }),
        tie('object'),
      ),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    }));
    const doc = json.object as fc.Arbitrary<Record<string, unknown>>;
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const original: KubeObject = { kind: 'X', spec: a };
        const final: KubeObject = { kind: 'X', spec: b };
        const ops = createPatch(original, final);
        expect(apply(original, ops)).toEqual(final);
        expect(createPatch(final, apply(original, ops))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodePatch', () => {
  it('is the base64 of the JSON array', () => {
    const ops: JsonPatchOperation[] = [{ op: 'add', path: '/metadata/labels/a~1b', value: 'é' }];
    const encoded = encodePatch(ops);
    expect(encoded).toBe(Buffer.from('[{"op":"add","path":"/metadata/labels/a~1b","value":"é"}]').toString('base64'));
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(ops);
  });
});

describe('checkMutatedObject', () => {
  const mutated = (change: (o: any) => void): unknown => {
    const copy = structuredClone(base);
    change(copy);
    return copy;
  };

  it('accepts a valid mutation, including null (unset) in place of a value', () => {
    expect(checkMutatedObject(base, mutated((o) => (o.spec.containers[0].resources = null)))).toBeUndefined();
    expect(checkMutatedObject(base, mutated((o) => (o.spec.nodeName = 'n1')))).toBeUndefined();
    expect(checkMutatedObject(base, mutated((o) => (o.metadata.labels.extra = undefined)))).toBeUndefined();
  });

  it.each([
    ['a non-object result', () => 'text', 'mutation result must be an object, got string'],
    ['a list result', () => [base], 'mutation result must be an object, got array'],
    ['a changed kind', () => mutated((o) => (o.kind = 'Service')), 'mutation must not change kind (from "Pod" to "Service")'],
    ['a removed apiVersion', () => mutated((o) => delete o.apiVersion), 'mutation must not change apiVersion (from "v1" to unset)'],
    ['a changed name', () => mutated((o) => (o.metadata.name = 'other')), 'mutation must not change metadata.name (from "web" to "other")'],
    ['a changed namespace', () => mutated((o) => (o.metadata.namespace = 'x')), 'mutation must not change metadata.namespace (from "shop" to "x")'],
    ['a changed resourceVersion', () => mutated((o) => (o.metadata.resourceVersion = '1')), 'mutation must not change metadata.resourceVersion (from "42" to "1")'],
    ['a changed status', () => mutated((o) => (o.status.phase = 'Running')), 'mutation must not change status (the apiserver owns it)'],
    ['metadata that is not an object', () => mutated((o) => (o.metadata = 'm')), 'mutation changed the type of metadata (object -> string)'],
    ['a label that is not a string', () => mutated((o) => (o.metadata.labels['a/b'] = 5)), 'metadata.labels["a/b"] must be a string, got number'],
    ['annotations that are a list', () => mutated((o) => (o.metadata.annotations = ['x'])), 'metadata.annotations must be an object of strings, got array'],
    ['an object replaced by a string', () => mutated((o) => (o.spec.containers[0].resources = 'big')), 'mutation changed the type of spec.containers[0].resources (object -> string)'],
    ['a list replaced by an object', () => mutated((o) => (o.spec.containers = { app: {} })), 'mutation changed the type of spec.containers (array -> object)'],
    ['a function', () => mutated((o) => (o.spec.hook = () => 1)), 'mutation produced a value JSON cannot carry at spec.hook (function)'],
    ['a bigint', () => mutated((o) => (o.spec.priority = 10n)), 'mutation produced a value JSON cannot carry at spec.priority (bigint)'],
    ['NaN', () => mutated((o) => (o.spec.priority = Number.NaN)), 'mutation produced a non-finite number at spec.priority'],
    ['a Date', () => mutated((o) => (o.spec.when = new Date(0))), 'mutation produced a value JSON cannot carry at spec.when (Date)'],
    ['an undefined list item', () => mutated((o) => (o.spec.containers[1] = undefined)), 'mutation produced an undefined list item at spec.containers[1]'],
    ['a cycle', () => mutated((o) => (o.spec.self = o.spec)), 'mutation produced a cycle at spec.self'],
  ])('reports %s', (_name, make, message) => {
    expect(checkMutatedObject(base, make())).toBe(message);
  });
});

describe('cloneJson', () => {
  it('copies deeply: changing the copy leaves the original as it was', () => {
    const original = structuredClone(base);
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    (copy.spec as any).containers[0].resources.limits.memory = '9Gi';
    copy.metadata!.labels!.x = 'y';
    expect(original).toEqual(base);
    expect(cloneJson(null)).toBeNull();
    expect(cloneJson([1, [2, { a: 'b' }]])).toEqual([1, [2, { a: 'b' }]]);
  });

  it('keeps a "__proto__" key as data, so the diff does not see it vanish', () => {
    const original = JSON.parse('{"kind":"Pod","metadata":{"labels":{"__proto__":"x","a":"b"}}}') as KubeObject;
    const copy = cloneJson(original);
    expect(Object.getPrototypeOf(copy.metadata!.labels)).toBe(Object.prototype);
    expect(Object.keys(copy.metadata!.labels!)).toEqual(['__proto__', 'a']);
    expect(createPatch(original, copy)).toEqual([]);
  });
});
