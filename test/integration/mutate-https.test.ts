/**
 * POST /mutate behind the real HTTPS webhook with the built-in defaults: the exact patch in the
 * AdmissionResponse, the round trip with a JSON patch library, idempotence, dry run, audit mode,
 * and a mutation that breaks the object.
 */
import jsonpatch from 'fast-json-patch';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import { builtinPolicyDir, emptyConfig, loadPolicies } from '../../src/loaders/index.js';
import { admissionReview } from '../support/reviews.js';
import { postReview, startTestServer, type TestServer } from '../support/https.js';

let enforce: TestServer;
let audit: TestServer;
let broken: TestServer;

/** restricted in every respect but resources, seccomp and allowPrivilegeEscalation; keys with / and ~ */
const bare: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'web' },
    annotations: { 'example.com/owner~team': 'storefront' },
  },
  spec: {
    securityContext: { runAsNonRoot: true },
    initContainers: [{ name: 'init', image: 'busybox:1.36', securityContext: { capabilities: { drop: ['ALL'] } } }],
    containers: [
      { name: 'app', image: 'nginx:1.27', securityContext: { capabilities: { drop: ['ALL'] } }, resources: { limits: { memory: '256Mi' } } },
    ],
    ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }],
  },
};

const BREAKS_OBJECT = `import { definePolicy } from 'portcullis';
export default definePolicy({
  name: 'breaks-labels',
  match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }] },
  mutate: ({ object }) => { (object.metadata as Record<string, unknown>).labels = 'not-a-map'; return object; },
});
`;

beforeAll(async () => {
  const defaults = path.join(builtinPolicyDir(), 'defaults');
  const loaded = await loadPolicies({ dirs: [defaults], config: emptyConfig() });
  expect(loaded.errors).toEqual([]);
  enforce = await startTestServer({ policies: loaded.policies });
  audit = await startTestServer({ policies: loaded.policies, mode: 'audit' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-mutate-'));
  await writeFile(path.join(dir, 'breaks.ts'), BREAKS_OBJECT);
  const brokenLoaded = await loadPolicies({ dirs: [dir], config: emptyConfig() });
  expect(brokenLoaded.errors).toEqual([]);
  broken = await startTestServer({ policies: brokenLoaded.policies });
});
afterAll(async () => {
  await Promise.all([enforce.close(), audit.close(), broken.close()]);
});

function decodePatch(response: Record<string, any>): jsonpatch.Operation[] {
  expect(response.patchType).toBe('JSONPatch');
  return JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8')) as jsonpatch.Operation[];
}

describe('/mutate over HTTPS with the built-in defaults', () => {
  it('answers the exact, minimal patch; applying it gives the intended object; mutating that gives no patch', async () => {
    const res = await postReview(enforce, '/mutate', admissionReview(bare, { namespace: 'shop' }));
    expect(res.json.response.allowed).toBe(true);
    const patch = decodePatch(res.json.response);
    expect(patch).toEqual([
      // a limit but no request: request = limit, as Kubernetes defaulting does; cpu gets the default
      { op: 'add', path: '/spec/containers/0/resources/requests', value: { cpu: '100m', memory: '256Mi' } },
      { op: 'add', path: '/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false },
      { op: 'add', path: '/spec/initContainers/0/securityContext/allowPrivilegeEscalation', value: false },
      { op: 'add', path: '/spec/initContainers/0/resources', value: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } },
      { op: 'add', path: '/spec/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
    ]);
    const patched = jsonpatch.applyPatch(structuredClone(bare), patch, true, false).newDocument;
    // ephemeral containers and the annotation with / and ~ are untouched
    expect((patched.spec as any).ephemeralContainers).toEqual((bare.spec as any).ephemeralContainers);
    expect(patched.metadata).toEqual(bare.metadata);

    const again = await postReview(enforce, '/mutate', admissionReview(patched, { namespace: 'shop' }));
    expect(again.json.response).toEqual({ uid: again.json.response.uid, allowed: true });
  });

  it('gives the same patch for a dry run', async () => {
    const normal = await postReview(enforce, '/mutate', admissionReview(bare, { namespace: 'shop' }));
    const dry = await postReview(enforce, '/mutate', admissionReview(bare, { namespace: 'shop', dryRun: true }));
    expect(dry.json.response.patch).toBe(normal.json.response.patch);
  });

  it('in audit mode sends no patch but a short warning and the patch as an audit annotation', async () => {
    const res = await postReview(audit, '/mutate', admissionReview(bare, { namespace: 'shop' }));
    expect(res.json.response.patch).toBeUndefined();
    expect(res.json.response.warnings).toHaveLength(1);
    expect(res.json.response.warnings[0]).toMatch(/^would patch 5 field\(s\): \/spec\/containers\/0\/resources\/requests, /);
    expect(res.json.response.warnings[0].length).toBeLessThanOrEqual(120);
    expect(JSON.parse(res.json.response.auditAnnotations['portcullis.would-patch'])).toHaveLength(5);
  });

  it('a mutation that breaks the object follows failurePolicy Fail with a clear message, and the server keeps serving', async () => {
    const res = await postReview(broken, '/mutate', admissionReview(bare, { namespace: 'shop' }));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.patch).toBeUndefined();
    expect(res.json.response.status.message).toContain("policy 'breaks-labels'");
    expect(res.json.response.status.message).toContain('metadata.labels');
    const next = await postReview(enforce, '/mutate', admissionReview(bare, { namespace: 'shop' }));
    expect(next.json.response.allowed).toBe(true);
  });
});
