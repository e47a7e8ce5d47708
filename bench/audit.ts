/**
 * Offline audit throughput: objects audited per second for a folder of 5,000 generated manifests
 * (Pods, Deployments, StatefulSets, CronJobs, Services, ConfigMaps in 10 namespaces; about one in
 * five breaks a built-in policy) with the default (built-in) policy set, as `portcullis audit -f DIR -o json`
 * runs it in-process. Baseline, measured in the same rounds: reading and parsing the same folder
 * (readManifests), which any tool that reads the manifests pays. Also shown: the engine alone
 * (requests + PolicySet.mutate + PolicySet.validate on already parsed objects).
 *
 *   node_modules/.bin/node --experimental-transform-types --no-warnings bench/audit.ts [--rounds 5] [--objects 5000]
 *
 * Figures are medians over rounds; rounds alternate the cases so drift on a shared machine hits all.
 */
import { register } from 'node:module';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';

// Run straight from the sources (the TypeScript policy loader finds src/index.ts beside itself, so
// this bench is not bundled): Node strips the types, and this hook maps the `.js` specifiers of the
// sources to their `.ts` files.
const resolveTs = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL && context.parentURL.startsWith('file:')) {
    const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(resolveTs)}`, import.meta.url);

const { stringify } = await import('yaml');
const { auditRequest } = await import('../src/audit/evaluate.js');
const { AuditLookups } = await import('../src/audit/lookups.js');
const { readManifests } = await import('../src/audit/manifests.js');
const { loadPolicySource } = await import('../src/audit/policies.js');
const { buildRequests } = await import('../src/audit/requests.js');
const { ResourceCatalog } = await import('../src/audit/resources.js');
const { runAuditCommand } = await import('../src/cli/audit.js');
const { PolicySet } = await import('../src/engine/policy-set.js');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, objects: { type: 'string', default: '5000' } } });
const rounds = Number(values.rounds);
const count = Number(values.objects);

function container(i: number): Record<string, unknown> {
  const bad = i % 5 === 0;
  return {
    name: `app-${i % 3}`,
    image: bad ? 'registry.example.com/app:latest' : `registry.example.com/app:1.${i % 50}`,
    ...(bad ? {} : { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } }),
    securityContext: bad ? { privileged: i % 10 === 0 } : { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    livenessProbe: { httpGet: { path: '/live', port: 8080 } },
  };
}

function manifest(i: number): Record<string, unknown> {
  const metadata = { name: `obj-${i}`, namespace: `ns-${i % 10}`, labels: { app: `app-${i % 40}` } };
  const podSpec = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [container(i), container(i + 1)] };
  const template = { metadata: { labels: metadata.labels }, spec: podSpec };
  switch (i % 20) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
      return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec };
    case 12: case 13: case 14:
      return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: 2, selector: { matchLabels: metadata.labels }, template } };
    case 15:
      return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { serviceName: 'db', selector: { matchLabels: metadata.labels }, template } };
    case 16:
      return { apiVersion: 'batch/v1', kind: 'CronJob', metadata, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } } };
    case 17: case 18:
      return { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: metadata.labels, ports: [{ port: 80, targetPort: 8080 }] } };
    default:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { key: `value-${i}` } };
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const discard = (): Writable => new Writable({ write: (_chunk, _enc, done) => done() });

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-audit-'));
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `ns-${i % 10}`);
    if (i < 10) await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, `obj-${i}.yaml`), stringify(manifest(i)));
  }
  const loaded = await loadPolicySource({ dirs: [] });
  const set = new PolicySet(loaded.policies);
  console.log(`${count} manifests in ${dir}; policies: ${loaded.policies.map((p) => p.name).join(', ')}`);

  const parse: number[] = [];
  const engine: number[] = [];
  const full: number[] = [];
  let exitCode = -1;
  let denied = 0;
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    const objects = await readManifests([dir]);
    parse.push(performance.now() - t);

    t = performance.now();
    const lookups = new AuditLookups({ params: loaded.params, namespaces: loaded.namespaces });
    const requests = buildRequests(objects, { operation: 'CREATE', catalog: new ResourceCatalog() });
    denied = requests.filter((r) => !auditRequest(set, r, lookups).decision.allowed).length;
    engine.push(performance.now() - t);

    t = performance.now();
    exitCode = await runAuditCommand(['-f', dir, '-o', 'json'], { stdin: Readable.from([]), stdout: discard(), stderr: process.stderr, env: {} });
    full.push(performance.now() - t);
  }
  await rm(dir, { recursive: true, force: true });

  const rate = (ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en-US')} objects/s`;
  console.log(`rounds: ${rounds}; exit code ${exitCode}; ${denied} of ${count} objects would be denied`);
  console.log(`baseline  read + parse (readManifests)         median ${median(parse).toFixed(0)} ms  ${rate(median(parse))}`);
  console.log(`engine    requests + mutate + validate          median ${median(engine).toFixed(0)} ms  ${rate(median(engine))}`);
  console.log(`full      portcullis audit -f DIR -o json      median ${median(full).toFixed(0)} ms  ${rate(median(full))}`);
  console.log(`ratio     full / baseline: ${(median(full) / median(parse)).toFixed(2)}x (policy loading included in full)`);
}

await main();
