/** Audit with CEL policies (ValidatingAdmissionPolicy + binding): actions and a policy that does not compile. */
import { describe, expect, it } from 'vitest';
import type { JsonAuditResult } from '../../src/audit/output.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { fixture, runCli } from './helpers.js';

const audit = (argv: string[], options?: Parameters<typeof runCli>[2]) => runCli(runAuditCommand, argv, options);

describe('audit with CEL policies', () => {
  it('reports Warn and Audit validation actions with the apiserver wording', async () => {
    const result = await audit(['-f', fixture('manifests', 'violating', 'pods.yaml'), '--policies', fixture('policies', 'cel'), '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as JsonAuditResult;
    const findings = parsed.results.flatMap((r) => r.findings.map((f) => `${r.object.kind}:${f.policy}:${f.action}:${f.message}`));
    expect(findings).toHaveLength(2);
    // the Audit finding: only in namespace legacy, whose Namespace object (same input) has audit=images
    expect(findings[0]).toMatch(/^Pod:no-latest:Audit:.*images must not use the latest tag/);
    expect(findings[1]).toBe(
      "Deployment:team-label:Warn:Validation failed for ValidatingAdmissionPolicy 'team-label' with binding 'team-label': metadata.labels.team is required",
    );
  });

  it('a policy that does not compile is named on stderr, gives an error result, and its failurePolicy (Fail) denies', async () => {
    const result = await audit(['-f', fixture('manifests', 'clean', 'list.yaml'), '--policies', fixture('broken-policies'), '-o', 'policyreport']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^portcullis: policy 'broken' could not be evaluated: .*spec\.validations\[0\]\.expression/);
    expect(result.stdout).toContain('result: error');
    expect(result.stdout).toContain('policy: broken');
  });
});
