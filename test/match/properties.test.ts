/** Properties of rule matching over generated requests and rules (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, Operation } from '../../src/admission/types.js';
import { compileMatchResources, matchRequest, matchResourceRules, matchesLabelSelector } from '../../src/engine/match.js';
import type { ResourceRule } from '../../src/engine/types.js';

const groups = ['', 'apps', 'extensions', 'batch', 'example.com'];
const versions = ['v1', 'v1beta1', 'v1beta2'];
const resources = ['pods', 'deployments', 'cronjobs', 'widgets', 'namespaces'];
const subresources = ['', 'status', 'scale'];
const operations: Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

const request = fc.record({
  group: fc.constantFrom(...groups),
  version: fc.constantFrom(...versions),
  resource: fc.constantFrom(...resources),
  subResource: fc.constantFrom(...subresources),
  operation: fc.constantFrom(...operations),
  namespace: fc.constantFrom('', 'default'),
  name: fc.constantFrom('a', 'b', ''),
}).map((r): AdmissionRequest => ({
  uid: 'u',
  kind: { group: r.group, version: r.version, kind: 'X' },
  resource: { group: r.group, version: r.version, resource: r.resource },
  ...(r.subResource ? { subResource: r.subResource } : {}),
  ...(r.namespace ? { namespace: r.namespace } : {}),
  ...(r.name ? { name: r.name } : {}),
  operation: r.operation,
  userInfo: {},
  object: { metadata: { labels: { app: 'web' } } },
}));

const listOf = (values: string[]): fc.Arbitrary<string[]> => fc.oneof(fc.constant<string[]>(['*']), fc.uniqueArray(fc.constantFrom(...values), { minLength: 1 }));
const rule: fc.Arbitrary<ResourceRule> = fc.record({
  apiGroups: listOf(groups),
  apiVersions: listOf(versions),
  resources: fc.oneof<fc.Arbitrary<string[]>[]>(
    fc.constant(['*']),
    fc.constant(['*/*']),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...resources, '*'), fc.constantFrom(...subresources, '*')).map(([r, s]) => (s ? `${r}/${s}` : r)), { minLength: 1 }),
  ),
  operations: fc.oneof<fc.Arbitrary<ResourceRule['operations']>[]>(fc.constant(['*']), fc.uniqueArray(fc.constantFrom(...operations), { minLength: 1 })),
  scope: fc.constantFrom('*' as const, 'Cluster' as const, 'Namespaced' as const),
});

describe('matching properties', () => {
  it('anything Exact matches, Equivalent matches as the same resource', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 4 }), request, (rules, req) => {
        const exact = matchResourceRules(rules, req, 'Exact');
        if (exact) expect(matchResourceRules(rules, req, 'Equivalent')).toEqual(exact);
      }),
    );
  });

  it('an Equivalent-only match is reported as another group/version of a known resource', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 4 }), request, (rules, req) => {
        const found = matchResourceRules(rules, req, 'Equivalent');
        if (found?.equivalent) {
          expect(found.resource.resource).toBe(req.resource.resource);
          expect(`${found.resource.group}/${found.resource.version}`).not.toBe(`${req.resource.group}/${req.resource.version}`);
        }
      }),
    );
  });

  it('the all-wildcard rule matches every request, and excluding it matches none', () => {
    const all: ResourceRule = { apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'], operations: ['*'] };
    fc.assert(
      fc.property(request, (req) => {
        expect(matchResourceRules([all], req, 'Exact')).toBeDefined();
        expect(matchRequest(compileMatchResources({ resourceRules: [all], excludeResourceRules: [all] }), req, { namespaceObject: null })).toBeUndefined();
      }),
    );
  });

  it('NotIn is the negation of In', () => {
    const labels = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y', 'z'));
    fc.assert(
      fc.property(labels, fc.constantFrom('a', 'b', 'c'), fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1 }), (set, key, values) => {
        const isIn = matchesLabelSelector({ matchExpressions: [{ key, operator: 'In', values }] }, set);
        const notIn = matchesLabelSelector({ matchExpressions: [{ key, operator: 'NotIn', values }] }, set);
        expect(notIn).toBe(!isIn);
        const exists = matchesLabelSelector({ matchExpressions: [{ key, operator: 'Exists' }] }, set);
        const absent = matchesLabelSelector({ matchExpressions: [{ key, operator: 'DoesNotExist' }] }, set);
        expect(absent).toBe(!exists);
      }),
    );
  });
});
