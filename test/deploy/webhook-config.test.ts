import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy, ResourceRule } from '../../src/engine/types.js';
import {
  buildWebhookConfigurations,
  resourceCovers,
  WebhookConfigError,
  webhookRules,
  type WebhookConfigurationOptions,
} from '../../src/server/webhook-config.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

const rule = (apiGroups: string[], apiVersions: string[], resources: string[], operations: ResourceRule['operations'], scope?: ResourceRule['scope']): ResourceRule => ({
  apiGroups,
  apiVersions,
  resources,
  operations,
  ...(scope ? { scope } : {}),
});

const validating = (name: string, rules: ResourceRule[]): Policy => ({ name, source: 'test', rules, validate: () => ({ findings: [] }) });
const mutating = (name: string, rules: ResourceRule[]): Policy => ({ name, source: 'test', rules, mutate: () => ({}) });

const base = (policies: Policy[], extra: Partial<WebhookConfigurationOptions> = {}): WebhookConfigurationOptions => ({
  policies,
  caBundlePem: CA,
  service: 'portcullis',
  namespace: 'policy',
  ...extra,
});

describe('resourceCovers', () => {
  it.each([
    ['pods', 'pods', true],
    ['*', 'pods', true],
    ['*', 'pods/status', false],
    ['*/*', 'pods/status', true],
    ['*/*', 'pods', false],
    ['pods/*', 'pods/status', true],
    ['pods/*', 'pods', false],
    ['*/scale', 'deployments/scale', true],
    ['*/scale', 'deployments/status', false],
    ['pods', 'deployments', false],
  ])('%s covers %s: %s', (pattern, resource, expected) => {
    expect(resourceCovers(pattern, resource)).toBe(expected);
  });
});

describe('webhookRules', () => {
  it('merges the same resources across policies into one rule with the union of operations', () => {
    const rules = webhookRules([
      { rules: [rule([''], ['v1'], ['pods'], ['CREATE'])] },
      { rules: [rule([''], ['v1'], ['pods'], ['UPDATE', 'CREATE'])] },
    ]);
    expect(rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'], scope: '*' }]);
  });

  it('groups resources of one group that share versions and operations, and keeps other groups apart', () => {
    const rules = webhookRules([
      { rules: [rule(['apps'], ['v1'], ['deployments'], ['CREATE', 'UPDATE'])] },
      { rules: [rule(['apps'], ['v1'], ['statefulsets', 'daemonsets'], ['CREATE', 'UPDATE'])] },
      { rules: [rule(['batch'], ['v1'], ['jobs'], ['CREATE'])] },
      { rules: [rule([''], ['v1'], ['pods'], ['CREATE', 'UPDATE'])] },
    ]);
    expect(rules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'], scope: '*' },
      { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['daemonsets', 'deployments', 'statefulsets'], operations: ['CREATE', 'UPDATE'], scope: '*' },
      { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs'], operations: ['CREATE'], scope: '*' },
    ]);
  });

  it('drops what a wildcard rule already covers', () => {
    const rules = webhookRules([
      { rules: [rule(['*'], ['*'], ['*'], ['*'])] },
      { rules: [rule([''], ['v1'], ['pods'], ['CREATE'])] },
      { rules: [rule([''], ['v1'], ['pods/ephemeralcontainers'], ['UPDATE'])] },
    ]);
    expect(rules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], resources: ['pods/ephemeralcontainers'], operations: ['UPDATE'], scope: '*' },
      { apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['*'], scope: '*' },
    ]);
  });

  it('keeps scopes apart and lets "*" scope cover Namespaced', () => {
    expect(
      webhookRules([
        { rules: [rule([''], ['v1'], ['configmaps'], ['CREATE'], 'Namespaced')] },
        { rules: [rule([''], ['v1'], ['namespaces'], ['CREATE'], 'Cluster')] },
      ]),
    ).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE'], scope: 'Namespaced' },
      { apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces'], operations: ['CREATE'], scope: 'Cluster' },
    ]);
    expect(
      webhookRules([
        { rules: [rule([''], ['v1'], ['configmaps'], ['CREATE'], 'Namespaced')] },
        { rules: [rule([''], ['v1'], ['configmaps'], ['CREATE'])] },
      ]),
    ).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['CREATE'], scope: '*' }]);
  });

  it('is the same whatever the order of policies and rules', () => {
    const policies = [
      { rules: [rule(['apps'], ['v1'], ['deployments', 'replicasets'], ['UPDATE', 'CREATE'])] },
      { rules: [rule([''], ['v1'], ['pods'], ['CREATE']), rule([''], ['v1'], ['replicationcontrollers'], ['CREATE', 'UPDATE'])] },
      { rules: [rule(['batch'], ['v1'], ['cronjobs', 'jobs'], ['CREATE', 'UPDATE'])] },
    ];
    const forward = webhookRules(policies);
    const backward = webhookRules([...policies].reverse().map((p) => ({ rules: [...p.rules].reverse() })));
    expect(backward).toEqual(forward);
  });

  it('covers exactly the atoms of its input (no more, no fewer)', () => {
    const input = [
      rule(['', 'apps'], ['v1'], ['pods', 'deployments'], ['CREATE', 'UPDATE']),
      rule(['batch'], ['v1', 'v1beta1'], ['jobs'], ['DELETE']),
      rule([''], ['v1'], ['pods'], ['CONNECT']),
    ];
    const atoms = (rules: { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[]; scope?: string }[]) =>
      new Set(
        rules.flatMap((r) =>
          r.apiGroups!.flatMap((g) => r.apiVersions!.flatMap((v) => r.resources!.flatMap((res) => r.operations!.map((o) => `${g}|${v}|${res}|${o}|${r.scope ?? '*'}`)))),
        ),
      );
    const output = webhookRules([{ rules: input }]);
    expect(atoms(output)).toEqual(atoms(input));
    expect(output.length).toBeLessThanOrEqual(3);
  });

  it('property: the rules cover exactly the atoms of any concrete input, and no more rules than the input had', () => {
    const sub = <T>(values: T[]) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: values.length });
    const arbRule = fc.record({
      apiGroups: sub(['', 'apps', 'batch']),
      apiVersions: sub(['v1', 'v1beta1']),
      resources: sub(['pods', 'deployments', 'jobs', 'pods/ephemeralcontainers']),
      operations: sub<ResourceRule['operations'][number]>(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    });
    const atomsOf = (rules: { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[] }[]) =>
      [...new Set(rules.flatMap((r) => r.apiGroups!.flatMap((g) => r.apiVersions!.flatMap((v) => r.resources!.flatMap((res) => r.operations!.map((o) => `${g}|${v}|${res}|${o}`))))))].sort();
    fc.assert(
      fc.property(fc.array(arbRule, { minLength: 1, maxLength: 6 }), (input) => {
        const output = webhookRules([{ rules: input }]);
        expect(atomsOf(output)).toEqual(atomsOf(input));
        expect(output.length).toBeLessThanOrEqual(input.length);
      }),
    );
  });

  it('gives no rule for policies without rules', () => {
    expect(webhookRules([{ rules: [] }])).toEqual([]);
  });
});

describe('buildWebhookConfigurations', () => {
  const policies = [
    validating('pod-security', [rule([''], ['v1'], ['pods'], ['CREATE', 'UPDATE'])]),
    mutating('defaults', [rule(['apps'], ['v1'], ['deployments'], ['CREATE'])]),
  ];

  it('builds both configurations with the documented defaults', () => {
    const { validating: v, mutating: m } = buildWebhookConfigurations(base(policies));
    expect(v?.kind).toBe('ValidatingWebhookConfiguration');
    expect(v?.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(v?.metadata?.name).toBe('portcullis');
    const hook = v!.webhooks![0]!;
    expect(hook.name).toBe('validate.portcullis.dev');
    expect(hook.clientConfig).toEqual({
      service: { name: 'portcullis', namespace: 'policy', path: '/validate', port: 443 },
      caBundle: Buffer.from(CA).toString('base64'),
    });
    expect(hook.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'], scope: '*' }]);
    expect(hook.failurePolicy).toBe('Fail');
    expect(hook.sideEffects).toBe('None');
    expect(hook.matchPolicy).toBe('Equivalent');
    expect(hook.timeoutSeconds).toBe(5);
    expect(hook.admissionReviewVersions).toEqual(['v1', 'v1beta1']);
    expect(hook.namespaceSelector).toEqual({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-node-lease', 'kube-system', 'policy'] }],
    });
    expect(hook.matchConditions?.map((c) => c.name)).toEqual([
      'exclude-node-requests',
      'exclude-kube-system-controllers-on-cluster-scoped-objects',
    ]);

    const mhook = m!.webhooks![0]!;
    expect(m?.kind).toBe('MutatingWebhookConfiguration');
    expect(mhook.name).toBe('mutate.portcullis.dev');
    expect(mhook.clientConfig.service?.path).toBe('/mutate');
    expect(mhook.reinvocationPolicy).toBe('IfNeeded');
    expect(mhook.failurePolicy).toBe('Ignore');
    expect(mhook.rules).toEqual([{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE'], scope: '*' }]);
  });

  it('takes its options', () => {
    const { validating: v, mutating: m } = buildWebhookConfigurations(
      base(policies, {
        port: 8443,
        path: '/hooks/',
        name: 'gate',
        failurePolicy: 'Ignore',
        mutatingFailurePolicy: 'Fail',
        timeoutSeconds: 12,
        excludeNamespaces: ['monitoring'],
        matchConditions: false,
        labels: { team: 'platform' },
      }),
    );
    const hook = v!.webhooks![0]!;
    expect(v?.metadata).toEqual({ name: 'gate', labels: { team: 'platform' } });
    expect(hook.clientConfig.service).toEqual({ name: 'portcullis', namespace: 'policy', path: '/hooks/validate', port: 8443 });
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.timeoutSeconds).toBe(12);
    expect(hook.matchConditions).toBeUndefined();
    expect(hook.namespaceSelector?.matchExpressions?.[0]?.values).toEqual(['kube-node-lease', 'kube-system', 'monitoring', 'policy']);
    expect(m!.webhooks![0]!.failurePolicy).toBe('Fail');
  });

  it('leaves out a configuration no policy needs', () => {
    const only = buildWebhookConfigurations(base([policies[0]!]));
    expect(only.validating).not.toBeNull();
    expect(only.mutating).toBeNull();
  });

  it('puts a policy that validates and mutates in both', () => {
    const both: Policy = { ...validating('x', [rule(['batch'], ['v1'], ['jobs'], ['CREATE'])]), mutate: () => ({}) };
    const out = buildWebhookConfigurations(base([both]));
    expect(out.validating!.webhooks![0]!.rules).toEqual(out.mutating!.webhooks![0]!.rules);
  });

  it.each<[Partial<WebhookConfigurationOptions>, string]>([
    [{ caBundlePem: 'not a pem' }, 'webhook configuration: caBundlePem: no PEM certificate (-----BEGIN CERTIFICATE-----) found'],
    [{ service: 'Portcullis' }, "webhook configuration: service: 'Portcullis' is not a DNS-1123 label"],
    [{ namespace: '' }, "webhook configuration: namespace: '' is not a DNS-1123 label"],
    [{ port: 0 }, 'webhook configuration: port: 0 is not an integer in 1..65535'],
    [{ timeoutSeconds: 31 }, "webhook configuration: timeoutSeconds: 31 is not an integer in 1..30 (the apiserver's range)"],
    [{ timeoutSeconds: 2.5 }, "webhook configuration: timeoutSeconds: 2.5 is not an integer in 1..30 (the apiserver's range)"],
    [{ failurePolicy: 'Deny' as never }, "webhook configuration: failurePolicy: 'Deny' is not Fail or Ignore"],
    [{ mutatingFailurePolicy: 'fail' as never }, "webhook configuration: mutatingFailurePolicy: 'fail' is not Fail or Ignore"],
    [{ path: 'hooks' }, "webhook configuration: path: 'hooks' must start with '/'"],
    [{ name: 'Gate!' }, "webhook configuration: name: 'Gate!' is not a DNS-1123 subdomain"],
    [{ excludeNamespaces: ['ok', 'NOT_OK'] }, "webhook configuration: excludeNamespaces[1]: 'NOT_OK' is not a DNS-1123 label"],
  ])('rejects %j', (extra, message) => {
    const build = () => buildWebhookConfigurations(base(policies, extra));
    expect(build).toThrow(WebhookConfigError);
    expect(build).toThrow(message);
    try {
      build();
    } catch (error) {
      expect((error as WebhookConfigError).code).toBe('WEBHOOK_CONFIG');
    }
  });
});
