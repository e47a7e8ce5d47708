/**
 * Verdict parity on every case of the built-in policy suites: the verdict `portcullis test` and
 * `portcullis audit` judge (PolicySet.validate on the synthetic request) equals the verdict the
 * webhook answers over HTTPS (POST /validate) for the same request and the same namespaces.
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRequest } from '../../src/audit/evaluate.js';
import { caseReview, loadSuitePolicies, readSuite } from '../../src/audit/policy-test.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { Lookups } from '../../src/engine/types.js';
import { postReview, startTestServer, type TestServer } from '../support/https.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POLICIES = path.join(ROOT, 'policies');
const suiteFiles = readdirSync(POLICIES)
  .filter((name) => existsSync(path.join(POLICIES, name, 'tests')))
  .flatMap((name) => readdirSync(path.join(POLICIES, name, 'tests')).filter((f) => f.endsWith('.test.yaml')).map((f) => path.join(POLICIES, name, 'tests', f)));

// The webhook's lookups follow the case being reviewed (reviews are sent one at a time).
let current: Lookups = { namespace: () => undefined, params: () => [] };
const lookups: Lookups = { namespace: (name) => current.namespace(name), params: (a, k, n) => current.params(a, k, n) };

describe('built-in suite cases: test/audit verdict == webhook verdict', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ lookups });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.for(suiteFiles.map((f) => path.relative(ROOT, f)))('%s', { timeout: 120_000 }, async (relative) => {
    const suite = await readSuite(path.join(ROOT, relative));
    const loaded = await loadSuitePolicies(suite);
    const set = new PolicySet(loaded.policies);
    server.setPolicies(loaded.policies);
    for (const testCase of suite.cases) {
      const review = caseReview(suite, testCase, loaded);
      current = review.lookups;
      const audited = auditRequest(set, review.request, review.lookups, { mutate: false }).decision;
      const answer = await postReview(server, '/validate', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: review.request });
      const webhook = answer.json.response as { allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
      expect({ case: testCase.name, allowed: webhook.allowed, message: webhook.status?.message, code: webhook.status?.code, warnings: webhook.warnings ?? [] }).toEqual({
        case: testCase.name,
        allowed: audited.allowed,
        message: audited.status?.message,
        code: audited.status?.code,
        warnings: audited.warnings,
      });
    }
  });
});
