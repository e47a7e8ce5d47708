/**
 * Certificate rotation in place (as cert-manager does it): a new connection gets the new
 * certificate while an open keep-alive connection keeps working.
 */
import { Agent } from 'node:https';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateCertificates, writeCertificates } from '../../src/server/certs.js';
import { watchCertificates, type CertificateWatcher } from '../../src/server/tls-reload.js';
import { admissionReview, pod } from '../support/reviews.js';
import { postReview, send, startTestServer, type TestServer } from '../support/https.js';

let server: TestServer;
let watcher: CertificateWatcher;
/** the CA of the certificate the server presents now */
let currentCa = '';

beforeAll(async () => {
  server = await startTestServer();
  currentCa = server.ca;
  watcher = watchCertificates(server.certsDir, server.app.server, pino({ level: 'silent' }), 50);
});
afterAll(async () => {
  watcher.close();
  await server.close();
});

it('serves the rotated certificate on new connections and keeps old keep-alive connections', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
  const first = await postReview(server, '/validate', admissionReview(pod()), agent);
  expect(first.status).toBe(200);

  const rotated = await generateCertificates();
  const reloaded = watcher.reloaded();
  await writeCertificates(server.certsDir, rotated);
  await reloaded;

  const again = await postReview(server, '/validate', admissionReview(pod()), agent);
  expect(again.status).toBe(200);
  expect(again.reusedSocket).toBe(true);
  expect(again.localPort).toBe(first.localPort);
  expect(again.fingerprint).toBe(first.fingerprint);

  const fresh = await send(`${server.url}/healthz`, { ca: rotated.caPem });
  expect(fresh.status).toBe(200);
  expect(fresh.fingerprint).not.toBe(first.fingerprint);
  // the old CA no longer verifies new connections
  await expect(send(`${server.url}/healthz`, { ca: server.ca })).rejects.toThrow();
  currentCa = rotated.caPem;
  agent.destroy();
});

it('keeps the current certificate when the new pair does not match', async () => {
  const before = await send(`${server.url}/healthz`, { ca: currentCa });
  const a = await generateCertificates();
  const b = await generateCertificates();
  await writeCertificates(server.certsDir, { ...a, keyPem: b.keyPem });
  // give the watcher time to see the files and refuse the pair (no reload event will come)
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await send(`${server.url}/healthz`, { ca: currentCa });
  expect(after.status).toBe(200);
  expect(after.fingerprint).toBe(before.fingerprint);
});
