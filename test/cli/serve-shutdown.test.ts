/**
 * `portcullis serve` as a real process: it generates certificates into --certs, serves HTTPS and
 * metrics, and on SIGTERM answers every review it has already received before exiting 0.
 */
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { Agent } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { admissionReview, pod } from '../support/reviews.js';
import { postReview, send } from '../support/https.js';
import { startServe } from '../support/cli.js';

/** A policy that takes ~300 ms per review, so that reviews are still in flight at SIGTERM. */
const SLOW_POLICY = `
import { definePolicy } from 'portcullis';
export default definePolicy({
  name: 'slow',
  timeoutMs: 5000,
  match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }] },
  validate: () => {
    const until = Date.now() + 300;
    while (Date.now() < until) { /* busy: the review is in flight */ }
    return [];
  },
});
`;

it('generates certificates, serves, and on SIGTERM finishes in-flight reviews and exits 0', async () => {
  // --shutdown-delay 0: close at once, so the reviews below are still in flight when it closes
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-serve-'));
  const certs = path.join(dir, 'certs');
  const policies = path.join(dir, 'policies');
  await mkdir(policies);
  await writeFile(path.join(policies, 'slow.ts'), SLOW_POLICY);
  const serve = await startServe(['--certs', certs, '--policies', policies, '--shutdown-delay', '0']);
  const ca = await readFile(path.join(certs, 'ca.crt'), 'utf8');
  const server = { url: `https://127.0.0.1:${serve.port}`, ca };

  expect((await send(`${server.url}/healthz`, { ca })).status).toBe(200);
  const metrics = await fetch(`http://127.0.0.1:${serve.metricsPort}/metrics`);
  expect(await metrics.text()).toMatch(/process_cpu_user_seconds_total/);

  // open the connections first: a connection still in its TLS handshake holds no review yet
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
  await Promise.all(Array.from({ length: 4 }, () => send(`${server.url}/healthz`, { ca, agent })));
  const inFlight = Array.from({ length: 4 }, () => postReview(server, '/validate', admissionReview(pod()), agent));
  await new Promise((resolve) => setTimeout(resolve, 150));
  const sigtermAt = Date.now();
  serve.child.kill('SIGTERM');
  const answers = await Promise.all(inFlight);
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.json.response.allowed).toBe(true);
  }
  expect(await serve.exited).toBe(0);
  expect(serve.logs.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
  // one log line per review, with the fields operators need and never the object
  const reviews = serve.logs.filter((l) => l.msg === 'review');
  expect(reviews).toHaveLength(4);
  // the reviews take ~1.2 s in all: most were answered after SIGTERM was sent, i.e. were in flight
  expect(reviews.filter((l) => (l.time as number) > sigtermAt).length).toBeGreaterThanOrEqual(2);
  expect(reviews[0]).toMatchObject({ endpoint: 'validate', kind: 'Pod', namespace: 'default', name: 'web', operation: 'CREATE', verdict: 'allowed' });
  expect(JSON.stringify(serve.logs)).not.toContain('registry.example.com/web');
  agent.destroy();
});
