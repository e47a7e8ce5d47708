/** `portcullis audit -f` end to end, in-process, on the manifests under fixtures/manifests. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { JsonAuditResult, PolicyReportResult } from '../../src/audit/output.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { fixture, runCli } from './helpers.js';

const POLICIES = ['--policies', fixture('policies', 'ts')];
const audit = (argv: string[], options?: Parameters<typeof runCli>[2]) => runCli(runAuditCommand, argv, options);
const CLEAN = fixture('manifests', 'clean');
const VIOLATING = fixture('manifests', 'violating', 'pods.yaml');

describe('portcullis audit -f (exit codes and table)', () => {
  it('exits 0 on a clean folder and says so', async () => {
    const result = await audit(['-f', CLEAN, ...POLICIES]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'No findings.\n5 object(s) audited, 0 would be denied; findings: 0 deny, 0 warn, 0 audit, 0 error; 4 passed check(s)\n',
    );
  });

  it('exits 1 when something would be denied, listing every finding by object with its action', async () => {
    const result = await audit(['-f', VIOLATING, ...POLICIES]);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Namespace legacy  ${VIOLATING}:1  (would be denied)`);
    expect(lines[1]).toBe("  DENY  ns-owner: policy 'ns-owner' denied request: namespaces need an owner label (field metadata.labels.owner)");
    expect(lines[2]).toBe(`Pod legacy/root  ${VIOLATING}:7  (would be denied)`);
    // the Audit finding exists because the Namespace object in the same input carries audit=images
    expect(lines[3]).toBe(`  AUDIT no-latest: policy 'no-latest': container "admin" uses a latest image (field spec.containers[1].image)`);
    expect(lines[4]).toBe(
      `  DENY  no-privileged/privileged: policy 'no-privileged' denied request: container "admin" must not be privileged (field spec.containers[1].securityContext.privileged)`,
    );
    expect(lines[5]).toBe(`Deployment legacy/unlabelled  ${VIOLATING}:21`);
    expect(lines[6]).toBe(`  WARN  team-label: policy 'team-label': metadata.labels.team is required (field metadata.labels.team)`);
    expect(lines.at(-2)).toBe('3 object(s) audited, 2 would be denied; findings: 2 deny, 1 warn, 1 audit, 0 error; 1 passed check(s)');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('reads stdin (helm template | portcullis audit -f -)', async () => {
    const helm = readFileSync(VIOLATING, 'utf8').replace(/^apiVersion/gm, '# Source: chart/templates/x.yaml\napiVersion');
    const result = await audit(['-f', '-', ...POLICIES, '-o', 'json'], { stdin: helm });
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.results.map((r) => r.source)).toEqual([
      { file: '<stdin>', line: 2 },
      { file: '<stdin>', line: 9 },
      { file: '<stdin>', line: 24 },
    ]);
  });

  it('takes namespace labels from --namespace-labels when the input has no Namespace', async () => {
    const pod = readFileSync(VIOLATING, 'utf8').split('---\n')[1] as string;
    const without = JSON.parse((await audit(['-f', '-', ...POLICIES, '-o', 'json'], { stdin: pod })).stdout) as JsonAuditResult;
    expect(without.results[0]?.findings.map((f) => f.policy)).toEqual(['no-privileged']);
    expect(without.results[0]?.policies).toEqual({ 'no-privileged': 'fail', 'no-latest': 'pass' });
    const withLabels = await audit(['-f', '-', ...POLICIES, '-o', 'json', '--namespace-labels', 'legacy:audit=images'], { stdin: pod });
    const parsed = JSON.parse(withLabels.stdout) as JsonAuditResult;
    expect(parsed.results[0]?.findings.map((f) => `${f.policy}:${f.result}`)).toEqual(['no-latest:audit', 'no-privileged:fail']);
  });

  it('takes Namespace objects from --config', async () => {
    const pod = readFileSync(VIOLATING, 'utf8').split('---\n')[1] as string;
    const result = await audit(['-f', '-', ...POLICIES, '-o', 'json', '--config', fixture('config.yaml')], { stdin: pod });
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.results[0]?.policies).toEqual({ 'no-privileged': 'fail', 'no-latest': 'audit' });
    const bad = await audit(['-f', '-', ...POLICIES, '--config', '/nonexistent/config.yaml'], { stdin: pod });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^portcullis: \/nonexistent\/config\.yaml: cannot read config file: /);
  });

  it('exits 2 on invalid YAML, naming file, line and column, and prints no report', async () => {
    const file = fixture('manifests', 'invalid.yaml');
    const result = await audit(['-f', file, ...POLICIES]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `portcullis: ${file}:11: invalid YAML (column 1): Flow map in block collection must be sufficiently indented and end with a }\n`,
    );
  });

  it('exits 2 on an unreadable path, a bad policy folder and an unknown --policy', async () => {
    const missing = await audit(['-f', '/nonexistent/app.yaml', ...POLICIES]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("portcullis: /nonexistent/app.yaml: cannot read path: ENOENT (no such file or directory, stat '/nonexistent/app.yaml')\n");
    const badPolicy = await audit(['-f', CLEAN, '--policies', fixture('bad-policy-file')]);
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain(`${fixture('bad-policy-file', 'policy.yaml')}:`);
    expect(badPolicy.stderr).toMatch(/^portcullis: cannot load the policies \(1 problem\(s\)\):\n {2}\S+policy\.yaml:\d+: invalid YAML/);
    const unknown = await audit(['-f', CLEAN, ...POLICIES, '--policy', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "portcullis: --policy 'nope': no such policy loaded (loaded: no-latest, no-privileged, ns-owner, team-label)\n",
    );
  });

  it('exits 2 on usage errors', async () => {
    expect(await audit([...POLICIES])).toMatchObject({ code: 2, stderr: 'portcullis: nothing to audit: give -f PATH (file, folder or - for stdin) or --cluster\n' });
    expect((await audit(['-f', CLEAN, '--bogus'])).code).toBe(2);
    const format = await audit(['-f', CLEAN, '-o', 'yaml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Allowed choices are table, json, policyreport");
    expect(await audit(['-f', CLEAN, '--operation', 'UPDATE'])).toMatchObject({
      code: 2,
      stderr: 'portcullis: --operation UPDATE needs --old FILE with the previous versions\n',
    });
    expect(await audit(['-f', CLEAN, '--write-reports'])).toMatchObject({ code: 2, stderr: 'portcullis: --write-reports needs --cluster\n' });
    expect(await audit(['-f', CLEAN, '--cluster'])).toMatchObject({ code: 2, stderr: 'portcullis: use either -f PATH or --cluster, not both\n' });
  });

  it('--policy keeps only the named policies', async () => {
    const result = await audit(['-f', VIOLATING, ...POLICIES, '--policy', 'team-label', '-o', 'json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.results.flatMap((r) => r.findings.map((f) => `${f.policy}:${f.action}`))).toEqual(['team-label:Warn']);
  });

  it('colours the table only on a terminal, and never with NO_COLOR', async () => {
    const tty = await audit(['-f', VIOLATING, ...POLICIES], { tty: true });
    expect(tty.stdout).toContain('\u001b[31mDENY \u001b[0m');
    expect(tty.stdout).toContain('\u001b[33mWARN \u001b[0m');
    const noColor = await audit(['-f', VIOLATING, ...POLICIES], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
    const json = await audit(['-f', VIOLATING, ...POLICIES, '-o', 'json'], { tty: true });
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });

  it('audits UPDATE with --old, pairing objects by name', async () => {
    const updated = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: "1"}\n';
    const result = await audit(
      ['-f', '-', '--operation', 'UPDATE', '--old', fixture('manifests', 'old-configmap.yaml'), '--policies', fixture('failing-policies'), '-o', 'json'],
      { stdin: updated },
    );
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.results[0]?.operation).toBe('UPDATE');
    expect(parsed.results[0]?.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings' });
  });
});

describe('mutating policies run first, as in the apiserver', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: apps}\nspec:\n  containers: [{name: app, image: registry.example.com/app:1.0}]\n';
  const builtIn = ['--policy', 'defaults', '--policy', 'resources', '-o', 'json'];

  it('validates the object the defaults policy produced, and shows the patch', async () => {
    const result = await audit(['-f', '-', ...builtIn], { stdin: pod });
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.summary.mutated).toBe(1);
    expect(parsed.results[0]?.policies).toEqual({ defaults: 'pass', resources: 'pass' });
    expect(parsed.results[0]?.patch?.map((op) => op.path)).toContain('/spec/containers/0/resources');
  });

  it('--no-mutate validates the object as written', async () => {
    const result = await audit(['-f', '-', ...builtIn, '--no-mutate'], { stdin: pod });
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.summary.mutated).toBe(0);
    expect(parsed.results[0]?.patch).toBeUndefined();
    expect(parsed.results[0]?.status?.message).toContain('container(s) "app" must set resources.requests.cpu and resources.requests.memory');
  });
});

describe('the table with the built-in pod-security policy', () => {
  it('shows a message shared by several controls once, with the controls joined', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  containers: [{name: a, image: "nginx:1.27", securityContext: {privileged: true}}]\n';
    const result = await audit(['-f', '-', '--policy', 'pod-security'], { stdin: pod });
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[1]).toBe('  DENY  pod-security/privileged: violates PodSecurity "baseline:latest": privileged (container "a" must not set securityContext.privileged=true)');
    expect(lines.filter((l) => l.startsWith('  AUDIT'))).toHaveLength(1);
    expect(lines[2]).toMatch(/^ {2}AUDIT pod-security\/privileged,allowPrivilegeEscalation,capabilities_restricted,runAsNonRoot,seccompProfile_restricted: would violate PodSecurity "restricted:latest": /);
  });
});

describe('policies that fail to run', () => {
  it('are named on stderr; failurePolicy Fail denies (exit 1) and Ignore only warns, each an error result', async () => {
    const result = await audit(['-f', fixture('manifests', 'clean', 'list.yaml'), '--policies', fixture('failing-policies'), '-o', 'json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("portcullis: policy 'throws-fail' could not be evaluated: ");
    expect(result.stderr).toContain("portcullis: policy 'throws-ignore' could not be evaluated: ");
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    const configMap = parsed.results[0];
    expect(configMap?.allowed).toBe(false);
    expect(configMap?.findings.map((f) => [f.policy, f.action, f.result, f.error])).toEqual([
      ['throws-fail', 'Deny', 'error', true],
      ['throws-ignore', 'Warn', 'error', true],
    ]);
    expect(configMap?.policies).toEqual({ 'throws-fail': 'error', 'throws-ignore': 'error' });
    const ignoreOnly = await audit(['-f', fixture('manifests', 'clean', 'list.yaml'), '--policies', fixture('failing-policies'), '--policy', 'throws-ignore']);
    expect(ignoreOnly.code).toBe(0);
    expect(ignoreOnly.stdout).toContain('[policy error]');
  });
});

describe('-o json', () => {
  it('has the documented shape', async () => {
    const result = await audit(['-f', CLEAN, '-f', VIOLATING, ...POLICIES, '-o', 'json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    expect(parsed.apiVersion).toBe('portcullis.dev/v1alpha1');
    expect(parsed.kind).toBe('AuditResult');
    expect(parsed.summary).toEqual({ objects: 8, denied: 2, mutated: 0, pass: 5, fail: 2, warn: 1, audit: 1, error: 0 });
    expect(parsed.results.map((r) => `${r.object.kind}/${r.object.namespace ?? ''}/${r.object.name}`)).toEqual([
      'Deployment/shop/web',
      'Service/shop/web',
      'ConfigMap/default/settings',
      'Pod/jobs/worker',
      'ClusterRole//reader',
      'Namespace//legacy',
      'Pod/legacy/root',
      'Deployment/legacy/unlabelled',
    ]);
    const pod = parsed.results[6];
    expect(pod).toMatchObject({
      operation: 'CREATE',
      allowed: false,
      status: { code: 403 },
      policies: { 'no-privileged': 'fail', 'no-latest': 'audit' },
      auditAnnotations: { 'no-latest.audit-violations': expect.stringContaining('latest image') },
    });
    expect(pod?.findings[1]).toEqual({
      policy: 'no-privileged',
      rule: 'privileged',
      action: 'Deny',
      result: 'fail',
      message: `policy 'no-privileged' denied request: container "admin" must not be privileged (field spec.containers[1].securityContext.privileged)`,
      path: 'spec.containers[1].securityContext.privileged',
      code: 403,
    });
    const deployment = parsed.results[7];
    expect(deployment?.allowed).toBe(true);
    expect(deployment?.warnings).toEqual(["policy 'team-label': metadata.labels.team is required (field metadata.labels.team)"]);
  });
});

interface Report {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  summary: Record<string, number>;
  results: PolicyReportResult[];
}

describe('-o policyreport', () => {
  it('prints one PolicyReport per namespace and one ClusterPolicyReport, with pass results and summaries', async () => {
    const result = await audit(['-f', CLEAN, '-f', VIOLATING, ...POLICIES, '-o', 'policyreport']);
    expect(result.code).toBe(1);
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Report);
    expect(docs.map((d) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`)).toEqual([
      'PolicyReport jobs/portcullis-jobs',
      'PolicyReport legacy/portcullis-legacy',
      'PolicyReport shop/portcullis-shop',
      'ClusterPolicyReport /portcullis-cluster',
    ]);
    for (const doc of docs) expect(doc.apiVersion).toBe('wgpolicyk8s.io/v1alpha2');
    const [jobs, legacy, shop, cluster] = docs;
    expect(shop?.summary).toEqual({ pass: 2, fail: 0, warn: 0, error: 0, skip: 0 });
    expect(shop?.results.map((r) => `${r.policy}:${r.result}:${r.resources[0]?.kind}/${r.resources[0]?.name}`)).toEqual([
      'no-privileged:pass:Deployment/web',
      'team-label:pass:Deployment/web',
    ]);
    expect(jobs?.summary).toEqual({ pass: 2, fail: 0, warn: 0, error: 0, skip: 0 });
    // Deny and Audit findings are fail (Audit = recorded, not enforced; properties.action tells them apart), Warn is warn
    expect(legacy?.summary).toEqual({ pass: 1, fail: 2, warn: 1, error: 0, skip: 0 });
    expect(legacy?.results.map((r) => [r.policy, r.rule, r.result, r.properties?.action])).toEqual([
      ['no-latest', undefined, 'fail', 'Audit'],
      ['no-privileged', 'privileged', 'fail', 'Deny'],
      ['team-label', undefined, 'warn', 'Warn'],
      ['no-privileged', undefined, 'pass', undefined],
    ]);
    const failed = legacy?.results[1] as PolicyReportResult;
    expect(failed).toMatchObject({
      source: 'portcullis',
      message: expect.stringContaining('must not be privileged'),
      scored: true,
      resources: [{ apiVersion: 'v1', kind: 'Pod', namespace: 'legacy', name: 'root' }],
      properties: { path: 'spec.containers[1].securityContext.privileged' },
    });
    expect(typeof failed.timestamp.seconds).toBe('number');
    expect(cluster?.metadata.namespace).toBeUndefined();
    expect(cluster?.results.map((r) => `${r.policy}:${r.result}:${r.resources[0]?.name}`)).toEqual(['ns-owner:fail:legacy']);
    expect(cluster?.summary).toEqual({ pass: 0, fail: 1, warn: 0, error: 0, skip: 0 });
    // no YAML anchors: every result is self-contained for kubectl apply
    expect(result.stdout).not.toMatch(/[&*]a\d/);
  });
});
