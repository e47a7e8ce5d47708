/**
 * Server throughput: portcullis /validate (and /mutate) against a bare Fastify HTTPS route that
 * answers a constant allow, measured in the same run with the same load (autocannon, HTTPS
 * keep-alive, a realistic Pod review body).
 *
 *   npx tsx bench/server.ts [--seconds 10] [--connections 16] [--policies DIR]... [--endpoint /validate]
 *
 * The portcullis server runs from the tsc build (dist/, rebuilt first), as `npm start` runs it.
 * Each target is measured in alternating rounds (bare, portcullis, bare, portcullis, ...) so that
 * drift on a shared machine hits both; the figures are the medians over rounds, and the median of
 * the per-round ratios (each from two back-to-back runs).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchPodReview } from './support/bodies.js';
import { build } from './support/built.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    policies: { type: 'string', multiple: true, default: [] },
    endpoint: { type: 'string', default: '/validate' },
    body: { type: 'string', default: 'pod' },
  },
});

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.resolve(here, '../node_modules/.bin/tsx');

async function startProcess(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(tsx, [path.join(here, 'support/server-process.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { port, child };
}

async function load(port: number, endpoint: string, body: string) {
  const result = await autocannon({
    url: `https://127.0.0.1:${port}${endpoint}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors on ${endpoint}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

build();
const certs = await mkdtemp(path.join(os.tmpdir(), 'portcullis-bench-'));
const bare = await startProcess(['bare', certs]);
const subject = await startProcess(['portcullis', certs, ...(values.policies ?? [])]);
const body = JSON.stringify(benchPodReview(values.body === 'deployment' ? 'deployment' : 'pod'));
try {
  await load(bare.port, '/validate', body); // warm-up both (JIT, TLS session setup)
  await load(subject.port, values.endpoint!, body);
  const rounds: { bare: Awaited<ReturnType<typeof load>>; subject: Awaited<ReturnType<typeof load>> }[] = [];
  for (let i = 0; i < Number(values.rounds); i++) {
    rounds.push({ bare: await load(bare.port, '/validate', body), subject: await load(subject.port, values.endpoint!, body) });
  }
  const row = (name: string, pick: (r: (typeof rounds)[number]) => Awaited<ReturnType<typeof load>>) => {
    const rps = median(rounds.map((r) => pick(r).rps));
    const p50 = median(rounds.map((r) => pick(r).p50));
    const p99 = median(rounds.map((r) => pick(r).p99));
    console.log(`${name.padEnd(44)} ${rps.toFixed(0).padStart(8)} req/s   p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms`);
    return rps;
  };
  const label = `portcullis ${values.endpoint} (${values.policies!.length ? values.policies!.join(',') : 'no policies'})`;
  console.log(`body: ${values.body} review, ${body.length} bytes; ${values.connections} connections; ${values.rounds} rounds of ${values.seconds}s; medians`);
  const b = row('bare Fastify HTTPS route (constant allow)', (r) => r.bare);
  const s = row(label, (r) => r.subject);
  // each round's pair ran back to back, so its ratio is the least exposed to drift on a shared machine
  const ratios = rounds.map((r) => (r.subject.rps / r.bare.rps) * 100).sort((x, y) => x - y);
  console.log(`ratio of the medians: ${((s / b) * 100).toFixed(1)}% of the bare route's throughput`);
  console.log(`median of the per-round ratios: ${median(ratios).toFixed(1)}% (rounds: ${ratios.map((r) => r.toFixed(0)).join(', ')})`);
} finally {
  bare.child.kill();
  subject.child.kill();
}
