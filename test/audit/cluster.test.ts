/**
 * `portcullis audit --cluster` against fake-apiserver.ts, an HTTPS server on 127.0.0.1 that stands
 * in for a kube-apiserver (which cannot run on these machines): discovery, paged lists over a few
 * hundred objects in several namespaces, Namespaces for namespaceObject, and PolicyReport writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import type { JsonAuditResult, PolicyReportResult } from '../../src/audit/output.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';
import { fixture, runCli } from './helpers.js';

const NAMESPACES = ['team-a', 'team-b', 'team-c', 'kube-system'];
const PODS_PER_NAMESPACE = 70;
const DEPLOYMENTS_PER_NAMESPACE = 20;

// Which objects break which test policy (policies/ts): a few predicates, used to build the data and
// to compute what the reports must say.
const privileged = (i: number): boolean => i % 10 === 3;
const latest = (i: number): boolean => i % 7 === 0;
const unlabelled = (i: number): boolean => i % 4 === 1;
const namespaceLabels: Record<string, Record<string, string>> = {
  'team-a': { owner: 'alice' },
  'team-b': { owner: 'bob', audit: 'images' },
  'team-c': {},
  'kube-system': {},
};

function pods(ns: string): KubeObject[] {
  return Array.from({ length: ns === 'kube-system' ? 10 : PODS_PER_NAMESPACE }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: ns, uid: `uid-${ns}-pod-${i}`, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      containers: [
        {
          name: 'app',
          image: latest(i) ? 'registry.example.com/app:latest' : 'registry.example.com/app:1.0',
          ...(privileged(i) && ns !== 'kube-system' ? { securityContext: { privileged: true } } : {}),
        },
      ],
    },
  }));
}

function deployments(ns: string): KubeObject[] {
  if (ns === 'kube-system') return [];
  return Array.from({ length: DEPLOYMENTS_PER_NAMESPACE }, (_, i) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `deploy-${i}`, namespace: ns, uid: `uid-${ns}-deploy-${i}`, ...(unlabelled(i) ? {} : { labels: { team: ns } }) },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }] } } },
  }));
}

const store = {
  pods: NAMESPACES.flatMap(pods),
  deployments: NAMESPACES.flatMap(deployments),
  configmaps: NAMESPACES.map((ns) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns } })),
  namespaces: NAMESPACES.map((ns) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, uid: `uid-ns-${ns}`, labels: { 'kubernetes.io/metadata.name': ns, ...namespaceLabels[ns] } },
  })),
};
const TOTAL = store.pods.length + store.deployments.length + store.namespaces.length;

let api: FakeApiServer;
beforeAll(async () => {
  api = await startFakeApiServer(store);
});
afterAll(async () => {
  await api.close();
});

const POLICIES = ['--policies', fixture('policies', 'ts')];
const cluster = (argv: string[], options?: Parameters<typeof runCli>[2]) =>
  runCli(runAuditCommand, ['--cluster', '--kubeconfig', api.kubeconfig, ...POLICIES, ...argv], options);

describe('portcullis audit --cluster', () => {
  it(`lists every matched kind with paging (${TOTAL} objects) and judges them as the webhook would`, async () => {
    api.requests.length = 0;
    const result = await cluster(['-o', 'json', '--page-size', '25']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.summary.objects).toBe(TOTAL);

    // only the kinds the policies match are listed; configmaps are not
    const lists = api.requests.filter((r) => r.startsWith('GET') && r.includes('limit='));
    expect(new Set(lists.map((r) => r.slice('GET '.length).split('?')[0]))).toEqual(new Set(['/api/v1/pods', '/api/v1/namespaces', '/apis/apps/v1/deployments']));
    expect(lists.filter((r) => r.startsWith('GET /api/v1/pods?'))).toHaveLength(Math.ceil(store.pods.length / 25));
    expect(lists.filter((r) => r.startsWith('GET /api/v1/pods?') && r.includes('continue='))).toHaveLength(Math.ceil(store.pods.length / 25) - 1);

    // list items come without apiVersion/kind; the audit gives them back
    const kinds = new Map<string, number>();
    for (const r of parsed.results) kinds.set(`${r.object.apiVersion} ${r.object.kind}`, (kinds.get(`${r.object.apiVersion} ${r.object.kind}`) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({ 'v1 Pod': store.pods.length, 'apps/v1 Deployment': store.deployments.length, 'v1 Namespace': 4 });

    const denied = parsed.results.filter((r) => !r.allowed).map((r) => `${r.object.kind}/${r.object.namespace ?? ''}/${r.object.name}`);
    const expectedDenied = [
      ...store.pods.filter((p) => (p.spec as { containers: { securityContext?: unknown }[] }).containers[0]?.securityContext).map((p) => `Pod/${p.metadata?.namespace}/${p.metadata?.name}`),
      'Namespace//team-c',
      'Namespace//kube-system',
    ];
    expect(denied.sort()).toEqual(expectedDenied.sort());
    // namespaceObject comes from the cluster: only team-b (audit=images) gets Audit findings
    const audited = parsed.results.filter((r) => r.findings.some((f) => f.action === 'Audit'));
    expect(new Set(audited.map((r) => r.object.namespace))).toEqual(new Set(['team-b']));
    expect(audited).toHaveLength(Array.from({ length: PODS_PER_NAMESPACE }, (_, i) => i).filter(latest).length);
    const warned = parsed.results.filter((r) => r.findings.some((f) => f.action === 'Warn'));
    expect(warned).toHaveLength(3 * Array.from({ length: DEPLOYMENTS_PER_NAMESPACE }, (_, i) => i).filter(unlabelled).length);
  });

  it('--write-reports creates one PolicyReport per namespace and a ClusterPolicyReport, then replaces them', async () => {
    api.reports.clear();
    api.requests.length = 0;
    const first = await cluster(['-o', 'json', '--write-reports']);
    expect(first.code).toBe(1);
    expect([...api.reports.keys()].sort()).toEqual(['/portcullis-cluster', 'kube-system/portcullis-kube-system', 'team-a/portcullis-team-a', 'team-b/portcullis-team-b', 'team-c/portcullis-team-c']);
    expect(first.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'portcullis: created ClusterPolicyReport portcullis-cluster',
      'portcullis: created PolicyReport kube-system/portcullis-kube-system',
      'portcullis: created PolicyReport team-a/portcullis-team-a',
      'portcullis: created PolicyReport team-b/portcullis-team-b',
      'portcullis: created PolicyReport team-c/portcullis-team-c',
    ]);

    const teamA = api.reports.get('team-a/portcullis-team-a') as KubeObject & { summary: Record<string, number>; results: PolicyReportResult[] };
    expect(teamA).toMatchObject({ apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'portcullis-team-a', namespace: 'team-a' } });
    const podsA = store.pods.filter((p) => p.metadata?.namespace === 'team-a');
    const privilegedA = podsA.filter((_, i) => privileged(i)).length;
    const unlabelledA = Array.from({ length: DEPLOYMENTS_PER_NAMESPACE }, (_, i) => i).filter(unlabelled).length;
    // one result per (object, policy): pods x (no-privileged, no-latest), deployments x (no-privileged, team-label)
    expect(teamA.summary).toEqual({
      fail: privilegedA,
      warn: unlabelledA,
      pass: podsA.length * 2 - privilegedA + DEPLOYMENTS_PER_NAMESPACE * 2 - unlabelledA,
      error: 0,
      skip: 0,
    });
    const failure = teamA.results.find((r) => r.result === 'fail');
    expect(failure?.resources).toEqual([{ apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'pod-3', uid: 'uid-team-a-pod-3' }]);
    expect(failure?.rule).toBe('privileged');

    const clusterReport = api.reports.get('/portcullis-cluster') as KubeObject & { summary: Record<string, number> };
    expect(clusterReport.kind).toBe('ClusterPolicyReport');
    expect(clusterReport.metadata?.namespace).toBeUndefined();
    expect(clusterReport.summary).toEqual({ pass: 2, fail: 2, warn: 0, error: 0, skip: 0 });
    const versions = new Map([...api.reports].map(([k, v]) => [k, v.metadata?.resourceVersion]));

    // second run: every POST conflicts (409), so each report is read and replaced with its resourceVersion
    api.requests.length = 0;
    const second = await cluster(['-o', 'json', '--write-reports']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('portcullis: updated PolicyReport team-a/portcullis-team-a\n');
    expect(api.requests.filter((r) => r.startsWith('PUT '))).toHaveLength(5);
    expect(api.requests).toContain('GET /apis/wgpolicyk8s.io/v1alpha2/namespaces/team-b/policyreports/portcullis-team-b');
    for (const [key, report] of api.reports) expect(report.metadata?.resourceVersion).not.toBe(versions.get(key));
  });

  it('--namespace lists only namespaced kinds in those namespaces', async () => {
    api.requests.length = 0;
    const result = await cluster(['-o', 'json', '-n', 'team-a', '-n', 'team-c']);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(new Set(parsed.results.map((r) => r.object.namespace))).toEqual(new Set(['team-a', 'team-c']));
    expect(parsed.results.some((r) => r.object.kind === 'Namespace')).toBe(false);
    const lists = api.requests.filter((r) => r.includes('limit=')).map((r) => r.slice('GET '.length).split('?')[0]);
    expect(new Set(lists)).toEqual(
      new Set([
        '/api/v1/namespaces', // namespaceObject lookups
        '/api/v1/namespaces/team-a/pods',
        '/api/v1/namespaces/team-c/pods',
        '/apis/apps/v1/namespaces/team-a/deployments',
        '/apis/apps/v1/namespaces/team-c/deployments',
      ]),
    );
  });

  it('shows progress on stderr when it is a terminal', async () => {
    const result = await cluster(['-o', 'json', '--policy', 'team-label'], { stderrTty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('[1/1] apps/v1 deployments: 60 object(s)');
    expect(result.stderr).toContain(`${store.deployments.length} object(s) audited in 1 resource kind(s)\n`);
  });

  it('exits 2 with the reason when the cluster refuses or lacks the PolicyReport CRD', async () => {
    api.withoutReportCrd = true;
    try {
      const noCrd = await cluster(['--write-reports', '--policy', 'team-label']);
      expect(noCrd.code).toBe(2);
      expect(noCrd.stderr).toMatch(
        /^portcullis: cannot write PolicyReport team-a\/portcullis-team-a: POST \/apis\/wgpolicyk8s\.io\/v1alpha2\/namespaces\/team-a\/policyreports: HTTP 404: the server could not find the requested resource \(is the wgpolicyk8s\.io\/v1alpha2 PolicyReport CRD installed\?\)\n$/,
      );
    } finally {
      api.withoutReportCrd = false;
    }
    const { writeFile, readFile } = await import('node:fs/promises');
    const wrongToken = `${api.kubeconfig}.wrong`;
    await writeFile(wrongToken, (await readFile(api.kubeconfig, 'utf8')).replace('token: test-token', 'token: nope'));
    const refused = await runCli(runAuditCommand, ['--cluster', '--kubeconfig', wrongToken, ...POLICIES]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('portcullis: GET /api: HTTP 401: Unauthorized\n');
    const missing = await runCli(runAuditCommand, ['--cluster', '--kubeconfig', '/nonexistent/kubeconfig', ...POLICIES]);
    expect(missing).toMatchObject({ code: 2, stderr: 'portcullis: /nonexistent/kubeconfig: kubeconfig file not found\n' });
  });
});
