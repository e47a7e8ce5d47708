/**
 * The AdmissionReview protocol over real HTTPS on loopback, with a client that trusts only the
 * generated CA. Every malformed input gets its exact error, and the server answers a valid review
 * right after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/engine/types.js';
import { admissionReview, pod } from '../support/reviews.js';
import { postReview, send, startTestServer, type TestServer } from '../support/https.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => server.close());

async function expectStillServing(): Promise<void> {
  const body = admissionReview(pod());
  const res = await postReview(server, '/validate', body);
  expect(res.status).toBe(200);
  expect(res.json.response).toEqual({ uid: body.request.uid, allowed: true });
}

describe('valid reviews with an empty policy set', () => {
  it('answers admission.k8s.io/v1 with the same uid and apiVersion', async () => {
    const body = admissionReview(pod());
    const res = await postReview(server, '/validate', body);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true } });
  });

  it('answers admission.k8s.io/v1beta1 in v1beta1', async () => {
    const body = admissionReview(pod(), {}, 'admission.k8s.io/v1beta1');
    const res = await postReview(server, '/validate', body);
    expect(res.json.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(res.json.response.uid).toBe(body.request.uid);
  });

  it('answers /mutate with no patch when nothing changes', async () => {
    const body = admissionReview(pod());
    const res = await postReview(server, '/mutate', body);
    expect(res.json.response).toEqual({ uid: body.request.uid, allowed: true });
  });

  it('accepts DELETE reviews without an object and dryRun reviews', async () => {
    const body = admissionReview(pod(), { operation: 'DELETE', object: null, oldObject: pod(), dryRun: true });
    const res = await postReview(server, '/validate', body);
    expect(res.json.response).toEqual({ uid: body.request.uid, allowed: true });
  });
});

describe('malformed reviews get HTTP 400 naming the fault', () => {
  const valid = () => admissionReview(pod()) as Record<string, any>;
  const cases: [string, () => unknown, string, string][] = [
    ['not an object', () => [1, 2], 'invalid AdmissionReview: body must be a JSON object (an AdmissionReview), got an array', ''],
    ['a JSON string', () => 'review', 'invalid AdmissionReview: body must be a JSON object (an AdmissionReview), got a string', ''],
    ['wrong kind', () => ({ ...valid(), kind: 'Pod' }), 'invalid AdmissionReview: kind must be "AdmissionReview", got "Pod"', 'kind'],
    ['wrong apiVersion', () => ({ ...valid(), apiVersion: 'admission.k8s.io/v2' }), 'invalid AdmissionReview: apiVersion must be one of admission.k8s.io/v1, admission.k8s.io/v1beta1, got "admission.k8s.io/v2"', 'apiVersion'],
    ['missing request', () => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 'invalid AdmissionReview: request is missing or not an object', 'request'],
    ['missing uid', () => { const b = valid(); delete b.request.uid; return b; }, 'invalid AdmissionReview: request.uid must be a non-empty string', 'request.uid'],
    ['empty uid', () => { const b = valid(); b.request.uid = ''; return b; }, 'invalid AdmissionReview: request.uid must be a non-empty string', 'request.uid'],
    ['object not an object', () => { const b = valid(); b.request.object = 'pod'; return b; }, 'invalid AdmissionReview: request.object must be an object, got a string', 'request.object'],
    ['oldObject an array', () => { const b = valid(); b.request.oldObject = []; return b; }, 'invalid AdmissionReview: request.oldObject must be an object, got an array', 'request.oldObject'],
    ['unknown operation', () => { const b = valid(); b.request.operation = 'PATCH'; return b; }, 'invalid AdmissionReview: request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"', 'request.operation'],
    ['missing kind', () => { const b = valid(); delete b.request.kind; return b; }, 'invalid AdmissionReview: request.kind must be an object with group, version and kind', 'request.kind'],
    ['resource without resource name', () => { const b = valid(); b.request.resource = { group: '', version: 'v1' }; return b; }, 'invalid AdmissionReview: request.resource.resource must be a string', 'request.resource.resource'],
  ];
  for (const [name, body, message, field] of cases) {
    it(name, async () => {
      for (const endpoint of ['/validate', '/mutate']) {
        const res = await postReview(server, endpoint, body());
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error: 'Bad Request', code: 'ADMISSION_DECODE', message, field });
      }
      await expectStillServing();
    });
  }

  it('a body that is not JSON', async () => {
    const res = await send(`${server.url}/validate`, { ca: server.ca, body: '{"apiVersion": ' });
    expect(res.status).toBe(400);
    const json = JSON.parse(res.text);
    expect(json.code).toBe('INVALID_JSON');
    expect(json.message).toMatch(/^request body is not valid JSON: /);
    await expectStillServing();
  });

  it('an empty body', async () => {
    const res = await send(`${server.url}/validate`, { ca: server.ca, body: '' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'EMPTY_BODY', message: 'request body is empty; expected an AdmissionReview' });
    await expectStillServing();
  });

  it('a body with __proto__ keys is refused, not merged', async () => {
    const res = await send(`${server.url}/validate`, { ca: server.ca, body: '{"__proto__": {"polluted": true}}' });
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectStillServing();
  });
});

describe('HTTP errors', () => {
  it('413 for a body over the limit', async () => {
    const review = admissionReview(pod({ metadata: { name: 'big', annotations: { blob: 'x'.repeat(70 * 1024) } } }));
    const res = await send(`${server.url}/validate`, { ca: server.ca, body: JSON.stringify(review) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: 'Payload Too Large', code: 'BODY_TOO_LARGE', message: 'request body exceeds the limit of 65536 bytes' });
    await expectStillServing();
  });

  it('415 for a non-JSON content type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/yaml']) {
      const res = await send(`${server.url}/validate`, { ca: server.ca, body: JSON.stringify(admissionReview(pod())), contentType });
      expect(res.status).toBe(415);
      expect(JSON.parse(res.text)).toEqual({ error: 'Unsupported Media Type', code: 'UNSUPPORTED_MEDIA_TYPE', message: 'content-type must be application/json' });
    }
    await expectStillServing();
  });

  it('404 for an unknown path, 405 for a wrong method', async () => {
    const notFound = await send(`${server.url}/nope`, { ca: server.ca });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.text)).toMatchObject({ code: 'NOT_FOUND', message: 'no route for GET /nope' });
    const wrongMethod = await send(`${server.url}/validate`, { ca: server.ca });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    await expectStillServing();
  });

  it('health and readiness', async () => {
    expect((await send(`${server.url}/healthz`, { ca: server.ca })).status).toBe(200);
    expect((await send(`${server.url}/readyz`, { ca: server.ca })).status).toBe(200);
  });

  it('refuses a client that does not trust the CA, and TLS below 1.2', async () => {
    await expect(send(`${server.url}/healthz`, { ca: '' })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});

describe('verdicts from policies', () => {
  const denyAll: Policy = {
    name: 'deny-all',
    source: 'test',
    rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }],
    validate: () => ({
      findings: [
        { policy: 'deny-all', action: 'Deny', message: 'no pods today', code: 403, reason: 'Forbidden' },
        { policy: 'deny-all', action: 'Warn', message: 'be careful' },
        { policy: 'deny-all', action: 'Warn', message: 'be careful' },
        { policy: 'deny-all', action: 'Audit', message: 'seen' },
      ],
    }),
  };

  it('denies with status, deduplicated warnings and audit annotations; counts metrics', async () => {
    server.setPolicies([denyAll]);
    try {
      const body = admissionReview(pod());
      const res = await postReview(server, '/validate', body);
      expect(res.json.response).toEqual({
        uid: body.request.uid,
        allowed: false,
        status: { code: 403, message: 'no pods today', reason: 'Forbidden', status: 'Failure' },
        warnings: ['be careful'],
        auditAnnotations: { 'deny-all.audit-violations': 'seen' },
      });
      // a ConfigMap is not indexed under the policy and is allowed
      const other = admissionReview({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
      expect((await postReview(server, '/validate', other)).json.response.allowed).toBe(true);
      const text = await server.metrics.registry.metrics();
      expect(text).toMatch(/portcullis_admission_reviews_total\{endpoint="validate",verdict="denied",dry_run="false"\} 1/);
      expect(text).toMatch(/portcullis_policy_violations_total\{policy="deny-all",action="Deny",mode="enforce"\} 1/);
    } finally {
      server.setPolicies([]);
    }
  });

  it('a policy adapter that throws denies (fail closed) and the server keeps serving', async () => {
    server.setPolicies([{ ...denyAll, name: 'broken', validate: () => { throw new Error('boom'); } }]);
    try {
      const res = await postReview(server, '/validate', admissionReview(pod()));
      expect(res.json.response.allowed).toBe(false);
      expect(res.json.response.status.message).toBe("policy 'broken' failed: boom");
    } finally {
      server.setPolicies([]);
    }
    await expectStillServing();
  });
});

describe('audit annotations from several policies', () => {
  const auditing = (name: string, value: string): Policy => ({
    name,
    source: 'test',
    rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }],
    validate: () => ({ findings: [], auditAnnotations: { 'validation.policy.admission.k8s.io/validation_failure': value, [`${name}/note`]: 'x' } }),
  });

  it('concatenates JSON-array values under one key and keeps keys free of a second slash', async () => {
    server.setPolicies([auditing('a', '[{"policy":"a"}]'), auditing('b', '[{"policy":"b"}]')]);
    try {
      const res = await postReview(server, '/validate', admissionReview(pod()));
      expect(res.json.response.auditAnnotations).toEqual({
        'validation.policy.admission.k8s.io.validation_failure': '[{"policy":"a"},{"policy":"b"}]',
        'a.note': 'x',
        'b.note': 'x',
      });
    } finally {
      server.setPolicies([]);
    }
  });
});
