/** JSON -> CEL conversion: integers become ints, and only what changes is copied. */
import { describe, expect, it } from 'vitest';
import { jsonToCel } from '../../src/cel/values.js';

describe('jsonToCel', () => {
  it('turns whole numbers into bigints and keeps other values', () => {
    const input = JSON.parse('{"replicas": 3, "ratio": 1.5, "name": "web", "on": true, "none": null, "big": 1e300}');
    expect(jsonToCel(input)).toEqual({ replicas: 3n, ratio: 1.5, name: 'web', on: true, none: null, big: 1e300 });
  });

  it('copies only the lists and maps that hold a number below them, and never changes its input', () => {
    const input = JSON.parse(
      '{"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}], "ports": [{"containerPort": 8080}]}]}}',
    );
    const before = structuredClone(input);
    const out = jsonToCel(input) as any;
    expect(out.metadata).toBe(input.metadata); // strings only: shared
    expect(out.spec).not.toBe(input.spec);
    expect(out.spec.containers[0].env).toBe(input.spec.containers[0].env);
    expect(out.spec.containers[0].ports[0].containerPort).toBe(8080n);
    expect(input).toEqual(before);
  });

  it('keeps a __proto__ key an own data property, whether its map is copied or shared', () => {
    for (const text of ['{"__proto__": {"polluted": "yes"}}', '{"n": 1, "__proto__": {"polluted": "yes"}}']) {
      const out = jsonToCel(JSON.parse(text)) as Record<string, unknown>;
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});
