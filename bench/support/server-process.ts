/**
 * A server under load, in its own process so the load generator does not share its event loop.
 *   bare <certsDir>                  : Fastify HTTPS route answering a constant allow (the baseline)
 *   portcullis <certsDir> [dirs...]  : the portcullis webhook with the given policy folders (none = empty set)
 * Prints the port on stdout once listening.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { importBuilt } from './built.js';
import type * as PolicySetModule from '../../src/engine/policy-set.js';
import type * as LoadersModule from '../../src/loaders/index.js';
import type * as LookupsModule from '../../src/kube/lookups.js';
import type * as AppModule from '../../src/server/app.js';
import type * as CertsModule from '../../src/server/certs.js';
import type * as MetricsModule from '../../src/server/metrics.js';

// the built server (dist/), as `npm start` runs it; bench/server.ts builds before starting this
const { PolicySet } = await importBuilt<typeof PolicySetModule>('src/engine/policy-set.js');
const { emptyConfig, loadPolicies } = await importBuilt<typeof LoadersModule>('src/loaders/index.js');
const { createLookups } = await importBuilt<typeof LookupsModule>('src/kube/lookups.js');
const { buildServer } = await importBuilt<typeof AppModule>('src/server/app.js');
const { ensureCertificates } = await importBuilt<typeof CertsModule>('src/server/certs.js');
const { createMetrics } = await importBuilt<typeof MetricsModule>('src/server/metrics.js');

const [kind, certsDir, ...dirs] = process.argv.slice(2);
if (!kind || !certsDir) throw new Error('usage: server-process.ts bare|portcullis <certsDir> [policy dirs...]');
const certs = await ensureCertificates(certsDir);

let listen: () => Promise<number>;
if (kind === 'bare') {
  const app = Fastify({ https: { cert: certs.certPem, key: certs.keyPem, minVersion: 'TLSv1.2' } });
  app.post('/validate', async (request) => {
    const body = request.body as { apiVersion: string; request: { uid: string } };
    return { apiVersion: body.apiVersion, kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true } };
  });
  listen = async () => (await app.listen({ port: 0, host: '127.0.0.1' }), (app.server.address() as { port: number }).port);
} else {
  const config = emptyConfig();
  const loaded = dirs.length > 0 ? await loadPolicies({ dirs, config }) : { policies: [], params: [], namespaces: [], errors: [] };
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const logger = pino({ level: 'silent' });
  const lookups = createLookups({ namespaces: loaded.namespaces, params: loaded.params });
  const set = new PolicySet(loaded.policies);
  const app = buildServer({
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    policies: () => set,
    lookups,
    mode: 'enforce',
    logger,
    metrics: createMetrics(),
  });
  listen = async () => (await app.listen({ port: 0, host: '127.0.0.1' }), (app.server.address() as { port: number }).port);
}
process.stdout.write(`${await listen()}\n`);
// exit normally on a signal, so that --cpu-prof can write its profile
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
