/**
 * Pod Security evaluation cost, in process.
 *
 *   npx esbuild bench/pod-security.ts --bundle --platform=node --format=esm --outfile=/tmp/pod-security-bench.mjs \
 *     && node_modules/.bin/node /tmp/pod-security-bench.mjs
 *
 * Prints the median microseconds per operation over several samples for:
 *   - baseline: JSON.parse(JSON.stringify(pod)), the decode every review pays anyway
 *   - evaluate(restricted, latest) on a restricted-compliant pod (every check passes)
 *   - evaluate(restricted, latest) on a pod failing several checks (messages built)
 *   - the policy's validate() for a Pod CREATE (labels, config, enforce + audit + warn)
 * and each as a ratio to the baseline measured in the same run.
 */
import type { KubeObject, PolicyContext } from '../src/index.js';
import policy from '../policies/pod-security/index.js';
import { DEFAULT_CONFIGURATION, type PodSecurityConfiguration } from '../policies/pod-security/config.js';
import { evaluate } from '../policies/pod-security/registry.js';
import { LATEST } from '../policies/pod-security/api.js';
import type { PodMetadata, PodSpec } from '../policies/pod-security/checks/types.js';

const compliant: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'team-a', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
  spec: {
    initContainers: [
      { name: 'init', image: 'registry.example.com/init:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ],
    containers: [
      {
        name: 'app',
        image: 'registry.example.com/web:1.4.2',
        ports: [{ containerPort: 8080 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
      },
      { name: 'sidecar', image: 'registry.example.com/proxy:2', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } },
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'web' } }],
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  },
};

const failing: KubeObject = structuredClone(compliant);
Object.assign(failing.spec as object, { hostNetwork: true, securityContext: {} });
((failing.spec as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>).securityContext = { privileged: true };

const ctx: PolicyContext<KubeObject, PodSecurityConfiguration | undefined> = {
  request: {
    uid: 'u',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'team-a',
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    object: compliant,
  },
  operation: 'CREATE',
  object: compliant,
  oldObject: null,
  namespaceObject: { metadata: { name: 'team-a', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  userInfo: { username: 'alice' },
  config: Object.freeze(structuredClone(DEFAULT_CONFIGURATION)),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

let sink = 0;
function measure(name: string, fn: () => unknown, iterations = 20_000, samples = 15): number {
  for (let i = 0; i < iterations; i++) fn(); // warm up
  const perOp: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const r = fn();
      if (r) sink++;
    }
    perOp.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  const m = median(perOp);
  console.log(`${name.padEnd(58)} median ${m.toFixed(3)} µs/op`);
  return m;
}

const spec = compliant.spec as PodSpec;
const meta = compliant.metadata as PodMetadata;
const failingSpec = failing.spec as PodSpec;

const baseline = measure('baseline: JSON.parse(JSON.stringify(pod))', () => JSON.parse(JSON.stringify(compliant)));
const results: [string, number][] = [
  ['evaluate restricted:latest, compliant pod', measure('evaluate restricted:latest, compliant pod', () => evaluate('restricted', LATEST, meta, spec))],
  ['evaluate restricted:latest, failing pod', measure('evaluate restricted:latest, failing pod', () => evaluate('restricted', LATEST, meta, failingSpec))],
  ['policy validate (Pod CREATE, enforce=restricted label)', measure('policy validate (Pod CREATE, enforce=restricted label)', () => policy.validate?.(ctx))],
];
console.log('');
for (const [name, value] of results) console.log(`${name.padEnd(58)} ${(value / baseline).toFixed(2)}x baseline`);
if (sink < 0) console.log(sink);
