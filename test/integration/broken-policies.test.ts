/**
 * Broken policies behind the real HTTPS webhook: each follows its failurePolicy with a message
 * naming the policy and the fault, and the server keeps answering other reviews.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyConfig, loadPolicies } from '../../src/loaders/index.js';
import { admissionReview, pod } from '../support/reviews.js';
import { postReview, startTestServer, type TestServer } from '../support/https.js';

const match = `match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }] }`;

const FILES: Record<string, string> = {
  'throws.ts': `import { definePolicy } from 'portcullis';
export default definePolicy({ name: 'throws', ${match},
  validate: ({ object }) => { if (object.metadata?.labels?.throw) throw new Error('cannot read the registry list'); return []; } });`,
  'loops.ts': `import { definePolicy } from 'portcullis';
export default definePolicy({ name: 'loops', failurePolicy: 'Ignore', timeoutMs: 50, ${match},
  validate: ({ object }) => { while (object.metadata?.labels?.loop) { /* forever */ } return []; } });`,
  'cel.yaml': `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: runtime-error }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }]
  matchConditions:
    - name: only-labelled
      expression: "has(object.metadata.labels) && 'divide' in object.metadata.labels"
  validations:
    - expression: "1 / (size(object.metadata.labels) - size(object.metadata.labels)) == 1"
      reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: runtime-error }
spec: { policyName: runtime-error, validationActions: [Deny] }
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: does-not-compile }
spec:
  failurePolicy: Ignore
  matchConstraints:
    resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }]
  validations:
    - expression: "object.spec.containers.all(c, c.image.startsWith('registry.example.com/')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: does-not-compile }
spec: { policyName: does-not-compile, validationActions: [Deny] }
`,
};

let server: TestServer;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-broken-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(dir, name), text);
  const loaded = await loadPolicies({ dirs: [dir], config: emptyConfig() });
  expect(loaded.errors).toEqual([]);
  expect(loaded.compileErrors.map((e) => e.message).join('\n')).toContain('does-not-compile');
  server = await startTestServer({ policies: loaded.policies });
});
afterAll(() => server.close());

function labelled(labels: Record<string, string>) {
  const object = pod();
  object.metadata!.labels = { ...object.metadata!.labels, ...labels };
  return admissionReview(object);
}

describe('broken policies over HTTPS', () => {
  it('a policy that does not compile (Ignore) lets reviews through with a warning naming the field and position', async () => {
    const res = await postReview(server, '/validate', admissionReview(pod()));
    expect(res.json.response.allowed).toBe(true);
    const warnings: string[] = res.json.response.warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('does-not-compile');
    expect(warnings[0]).toContain('spec.validations[0].expression');
  });

  it('a TypeScript policy that throws (Fail) denies with the error', async () => {
    const res = await postReview(server, '/validate', labelled({ throw: 'yes' }));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.message).toMatch(/^policy 'throws' failed: Error: cannot read the registry list \(at .*throws.ts:3:\d+\)$/);
  });

  it('a TypeScript policy that loops forever (Ignore) is cut off at its budget and warns; the next review is answered', async () => {
    const looping = postReview(server, '/validate', labelled({ loop: 'yes' }));
    const other = postReview(server, '/validate', admissionReview(pod()));
    const [res, next] = await Promise.all([looping, other]);
    expect(res.json.response.allowed).toBe(true);
    expect(res.json.response.warnings.join('\n')).toContain("policy 'loops' failed: timed out after 50ms");
    expect(next.json.response.allowed).toBe(true);
  });

  it('a CEL expression that errors at run time (Fail) denies with the error', async () => {
    const res = await postReview(server, '/validate', labelled({ divide: 'yes' }));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.message).toMatch(/^ValidatingAdmissionPolicy 'runtime-error' with binding 'runtime-error' denied request: .*division by zero/i);
  });

  it('keeps serving valid reviews after all of that', async () => {
    const body = admissionReview(pod());
    const res = await postReview(server, '/validate', body);
    expect(res.status).toBe(200);
    expect(res.json.response.uid).toBe(body.request.uid);
  });
});
