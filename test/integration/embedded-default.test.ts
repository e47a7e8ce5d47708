/**
 * The embedded default (`npm start`: built-in policies, generated certificates, no cluster) as a
 * real `portcullis serve` process over HTTPS: what a newcomer sees on day one.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/admission/types.js';
import { admissionReview, pod } from '../support/reviews.js';
import { postReview } from '../support/https.js';
import { startServe, type ServeProcess } from '../support/cli.js';

let serve: ServeProcess;
let server: { url: string; ca: string };

beforeAll(async () => {
  const certs = path.join(await mkdtemp(path.join(os.tmpdir(), 'portcullis-default-')), 'certs');
  serve = await startServe(['--certs', certs]);
  server = { url: `https://127.0.0.1:${serve.port}`, ca: await readFile(path.join(certs, 'ca.crt'), 'utf8') };
}, 60_000);
afterAll(async () => {
  serve.child.kill('SIGTERM');
  expect(await serve.exited).toBe(0);
});

function withContainer(patch: Record<string, unknown>, specPatch: Record<string, unknown> = {}): KubeObject {
  const base = pod();
  const spec = base.spec as { containers: Record<string, unknown>[] };
  spec.containers[0] = { ...spec.containers[0], ...patch };
  Object.assign(spec, specPatch);
  return base;
}

/** a pod that meets baseline but none of restricted's extra controls */
function baselineOnlyPod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'legacy', namespace: 'default' },
    spec: {
      containers: [
        { name: 'app', image: 'registry.example.com/legacy:2.0', resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } } },
      ],
    },
  };
}

describe('embedded default policies over HTTPS', () => {
  it('denies a privileged pod with Pod Security wording', async () => {
    const res = await postReview(server, '/validate', admissionReview(withContainer({ securityContext: { privileged: true } })));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.code).toBe(403);
    expect(res.json.response.status.message).toContain('violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)');
  });

  it('denies a hostNetwork pod', async () => {
    const res = await postReview(server, '/validate', admissionReview(withContainer({}, { hostNetwork: true })));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.code).toBe(403);
    expect(res.json.response.status.message).toContain('violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
  });

  it('denies the image nginx:latest', async () => {
    const res = await postReview(server, '/validate', admissionReview(withContainer({ image: 'nginx:latest' })));
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(res.json.response.status.message).toBe(
      "ValidatingAdmissionPolicy 'images' with binding 'images' denied request: container \"app\" uses image \"nginx:latest\": the image must name a tag other than latest, or a digest",
    );
  });

  it('allows a restricted-compliant pod with requests and limits, with no warnings', async () => {
    const body = admissionReview(pod());
    const res = await postReview(server, '/validate', body);
    expect(res.json.response).toMatchObject({ uid: body.request.uid, allowed: true });
    expect(res.json.response.warnings).toBeUndefined();
  });

  it('allows a baseline-only pod with restricted warnings', async () => {
    const res = await postReview(server, '/validate', admissionReview(baselineOnlyPod()));
    expect(res.json.response.allowed).toBe(true);
    const warnings: string[] = res.json.response.warnings;
    expect(warnings.some((w) => w.startsWith('would violate PodSecurity "restricted:latest": '))).toBe(true);
    expect(warnings.join('\n')).toContain('allowPrivilegeEscalation != false');
  });

  it('exempts kube-system', async () => {
    const privileged = withContainer({ securityContext: { privileged: true }, image: 'nginx:latest' });
    privileged.metadata!.namespace = 'kube-system';
    const res = await postReview(server, '/validate', admissionReview(privileged, { namespace: 'kube-system' }));
    expect(res.json.response.allowed).toBe(true);
  });
});
