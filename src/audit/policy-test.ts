/**
 * Running policy test suites (format: suite.ts): every case is evaluated with the webhook's engine
 * (PolicySet.validate, and PolicySet.mutate of the one policy for `patched`), as `portcullis audit`
 * evaluates objects, and each expectation becomes one check that holds or not.
 */
import { isDeepStrictEqual } from 'node:util';
import { createPatch } from '../admission/patch.js';
import type { AdmissionRequest, KubeObject } from '../admission/types.js';
import { PolicySet } from '../engine/policy-set.js';
import type { Policy } from '../engine/types.js';
import { SuiteError } from './errors.js';
import { auditRequest, policyOutcomes } from './evaluate.js';
import { AuditLookups } from './lookups.js';
import { loadPolicySource, type LoadedPolicies } from './policies.js';
import { buildRequest } from './requests.js';
import { ResourceCatalog } from './resources.js';
import type { ExpectedResult, Suite, TestCase } from './suite.js';

export { findSuites, readSuite, SUITE_API_VERSION, SUITE_KIND } from './suite.js';
export type { Expectation, ExpectedResult, Suite, TestCase } from './suite.js';

export interface CheckResult {
  case: string;
  policy: string;
  rule?: string;
  expected: ExpectedResult;
  actual: ExpectedResult;
  ok: boolean;
  /** why a check failed, or nothing */
  problem?: string;
}

export interface SuiteResult {
  suite: Suite;
  checks: CheckResult[];
}

// ------------------------------------------------------------------------------------- running suites

/** The suite's policies, loaded once per distinct (folders, config) across suites. */
export function loadSuitePolicies(suite: Suite, cache = new Map<string, Promise<LoadedPolicies>>()): Promise<LoadedPolicies> {
  const key = JSON.stringify([suite.policies, suite.config ?? null]);
  let loading = cache.get(key);
  if (!loading) {
    loading = loadPolicySource({ dirs: suite.policies, ...(suite.config ? { config: suite.config } : {}) });
    cache.set(key, loading);
  }
  return loading;
}

export async function runSuite(suite: Suite, loadedCache = new Map<string, Promise<LoadedPolicies>>()): Promise<SuiteResult> {
  const loaded = await loadSuitePolicies(suite, loadedCache);
  const byName = new Map(loaded.policies.map((p) => [p.name, p]));
  for (const [i, testCase] of suite.cases.entries()) {
    for (const [j, e] of testCase.expect.entries()) {
      if (!byName.has(e.policy)) {
        throw new SuiteError(suite.file, `cases[${i}].expect[${j}].policy: no policy '${e.policy}' in ${suite.policies.join(', ')} (loaded: ${[...byName.keys()].join(', ') || 'none'})`);
      }
    }
  }
  const set = new PolicySet(loaded.policies);
  const single = new Map<string, PolicySet>();
  const catalog = new ResourceCatalog();
  const checks: CheckResult[] = [];
  for (const testCase of suite.cases) {
    const { request, lookups } = caseReview(suite, testCase, loaded, catalog);
    // Each policy is judged on the object as given (no mutation chain), so a case tests one policy.
    const audited = auditRequest(set, request, lookups, { mutate: false });
    for (const e of testCase.expect) {
      const actual: ExpectedResult = policyOutcomes(audited, e.rule).get(e.policy) ?? 'skip';
      const check: CheckResult = { case: testCase.name, policy: e.policy, ...(e.rule ? { rule: e.rule } : {}), expected: e.result, actual, ok: true };
      const messages = audited.decision.findings.filter((f) => f.policy === e.policy && (e.rule === undefined || f.rule === e.rule)).map((f) => f.message);
      const shown = [...new Set(messages)];
      if (actual !== e.result) {
        check.ok = false;
        check.problem = `expected ${e.result}, got ${actual}${shown.length > 0 ? `: ${shown.join('; ')}` : ''}`;
      } else if (e.message !== undefined && !messages.some((m) => m.includes(e.message as string))) {
        check.ok = false;
        check.problem = `no message contains "${e.message}"${shown.length > 0 ? ` (messages: ${shown.join('; ')})` : ' (no messages)'}`;
      } else if (e.patched) {
        let policySet = single.get(e.policy);
        if (!policySet) single.set(e.policy, (policySet = new PolicySet([byName.get(e.policy) as Policy])));
        const mutation = policySet.mutate(request, lookups, 'enforce');
        const problem = patchedProblem(e.patched, mutation.object ?? request.object ?? null);
        if (problem) {
          check.ok = false;
          check.problem = problem;
        }
      }
      checks.push(check);
    }
  }
  return { suite, checks };
}

/** The request and lookups of one case: what both the test runner and a webhook would be given. */
export function caseReview(
  suite: Suite,
  testCase: TestCase,
  loaded: LoadedPolicies,
  catalog = new ResourceCatalog(),
): { request: AdmissionRequest; lookups: AuditLookups } {
  const request = buildRequest(testCase.object, {
    operation: testCase.operation,
    oldObject: testCase.oldObject ?? null,
    catalog,
    ...(testCase.userInfo ? { userInfo: testCase.userInfo } : {}),
  });
  const extraLabels = new Map(suite.namespaces);
  if (testCase.namespaceLabels && request.namespace) extraLabels.set(request.namespace, { ...extraLabels.get(request.namespace), ...testCase.namespaceLabels });
  const lookups = new AuditLookups({ namespaces: loaded.namespaces, params: loaded.params, extraLabels, synthesize: true });
  return { request, lookups };
}

/** Compares the mutated object with the expected one; the difference is told as the patch that would fix it. */
function patchedProblem(expected: KubeObject, actual: KubeObject | null): string | undefined {
  if (!actual) return 'expected a patched object, but the request has no object';
  let compared = actual;
  // buildRequest puts namespaced objects in `default`; an expected object need not repeat that.
  if (expected.metadata?.namespace === undefined && actual.metadata?.namespace !== undefined) {
    const { namespace: _namespace, ...metadata } = actual.metadata;
    compared = { ...actual, metadata };
  }
  if (isDeepStrictEqual(expected, compared)) return undefined;
  const diff = createPatch(compared, expected).map((op) => `${op.op} ${op.path}${'value' in op ? ` ${JSON.stringify(op.value)}` : ''}`);
  return `patched object differs from the expected one (expected = actual + [${diff.join(', ')}])`;
}

export function formatSuiteResult(result: SuiteResult, options: { color?: boolean } = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines = [`${paint('1', result.suite.name)}  ${paint('2', result.suite.file)}`];
  for (const check of result.checks) {
    const what = `${check.case}: ${check.policy}${check.rule ? `/${check.rule}` : ''} ${check.expected}`;
    lines.push(check.ok ? `  ${paint('32', 'ok  ')}  ${what}` : `  ${paint('31', 'FAIL')}  ${what} -> ${check.problem}`);
  }
  return `${lines.join('\n')}\n`;
}
