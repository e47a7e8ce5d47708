 
/**
 * Property tests over generated pod specs: the defaults' own guarantees, checked by code that is
 * independent of the policy's implementation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/index.js';
import type { JsonPatchOperation } from '../../src/admission/patch.js';
import type { DefaultsConfig } from '../../policies/defaults/config.js';
import { compareQuantities } from '../../policies/defaults/quantity.js';
import { mutate, pod } from './helpers.js';

const CPU = ['10m', '100m', '250m', '0.5', '1', '2'];
const MEMORY = ['16Mi', '64Mi', '128Mi', '0.5Gi', '512Mi', '1Gi', '1G', '4Gi'];

/** request <= limit when the user sets both (anything else is invalid before we see it) */
const resourcePair = (values: string[]) =>
  fc
    .record({ request: fc.option(fc.constantFrom(...values), { nil: undefined }), limit: fc.option(fc.constantFrom(...values), { nil: undefined }) })
    .map(({ request, limit }) =>
      request !== undefined && limit !== undefined && compareQuantities(request, limit) > 0 ? { request: limit, limit: request } : { request, limit },
    );

const resources = fc
  .record({ cpu: resourcePair(CPU), memory: resourcePair(MEMORY), gpu: fc.boolean(), present: fc.boolean() })
  .map(({ cpu, memory, gpu, present }) => {
    if (!present) return undefined;
    const requests: Record<string, string> = {};
    const limits: Record<string, string> = {};
    for (const [name, pair] of [['cpu', cpu], ['memory', memory]] as const) {
      if (pair.request !== undefined) requests[name] = pair.request;
      if (pair.limit !== undefined) limits[name] = pair.limit;
    }
    if (gpu) limits['nvidia.com/gpu'] = '1';
    return {
      ...(Object.keys(requests).length > 0 ? { requests } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    };
  });

const securityContext = fc.option(
  fc.record(
    {
      privileged: fc.boolean(),
      allowPrivilegeEscalation: fc.boolean(),
      capabilities: fc.record({ add: fc.subarray(['CAP_SYS_ADMIN', 'SYS_ADMIN', 'NET_ADMIN', 'CHOWN']) }),
      seccompProfile: fc.constantFrom({ type: 'RuntimeDefault' }, { type: 'Unconfined' }),
      runAsNonRoot: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined, freq: 2 },
);

const container = (name: string) =>
  fc
    .record({
      image: fc.constantFrom('nginx', 'nginx:1.27', 'registry.example/app@sha256:' + 'a'.repeat(64)),
      imagePullPolicy: fc.option(fc.constantFrom('Always', 'IfNotPresent', 'Never'), { nil: undefined }),
      resources,
      securityContext,
    })
    .map((c) => {
      const result: Record<string, unknown> = { name, image: c.image };
      for (const key of ['imagePullPolicy', 'resources', 'securityContext'] as const) if (c[key] !== undefined) result[key] = c[key];
      return result;
    });

const containers = (prefix: string, min: number, max: number): fc.Arbitrary<Record<string, unknown>[]> =>
  fc.integer({ min, max }).chain((n) => (n === 0 ? fc.constant<Record<string, unknown>[]>([]) : fc.tuple(...Array.from({ length: n }, (_, i) => container(`${prefix}${i}`)))));

const podSpec = fc
  .record({
    containers: containers('c', 1, 3),
    initContainers: containers('i', 0, 2),
    ephemeralContainers: containers('e', 0, 1),
    podSeccomp: fc.option(fc.constantFrom({ type: 'RuntimeDefault' }, { type: 'Localhost', localhostProfile: 'x.json' }), { nil: undefined, freq: 3 }),
    windows: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  })
  .map(({ containers: cs, initContainers, ephemeralContainers, podSeccomp, windows }) => {
    const spec: Record<string, unknown> = { containers: cs };
    if (initContainers.length > 0) spec.initContainers = initContainers;
    if (ephemeralContainers.length > 0) spec.ephemeralContainers = ephemeralContainers;
    if (podSeccomp) spec.securityContext = { seccompProfile: podSeccomp };
    if (windows) spec.os = { name: 'windows' };
    return JSON.parse(JSON.stringify(spec)) as Record<string, any>; // plain JSON, as a review carries

  });

const config: fc.Arbitrary<DefaultsConfig> = fc.record({
  resources: fc.record({ enabled: fc.boolean() }),
  seccompProfile: fc.record({ enabled: fc.boolean() }),
  allowPrivilegeEscalation: fc.record({ enabled: fc.boolean() }),
  imagePullPolicy: fc.record({ enabled: fc.boolean(), overrideIfNotPresent: fc.boolean() }),
});

type Container = { name: string; image?: string; imagePullPolicy?: string; resources?: any; securityContext?: any };

function apply(original: KubeObject, ops: JsonPatchOperation[]): KubeObject {
  return jsonpatch.applyPatch(structuredClone(original), ops as jsonpatch.Operation[], true, false).newDocument;
}

/** Every (JSON pointer, value) leaf of a document, to check that nothing the user set changed. */
function leaves(value: unknown, pointer = ''): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return [[pointer, value]];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return [[pointer, value]];
  return entries.flatMap(([k, v]) => leaves(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
}

function addsSysAdmin(sc: any): boolean {
  return (sc?.capabilities?.add ?? []).some((c: string) => c.toUpperCase().replace(/^CAP_/, '') === 'SYS_ADMIN');
}

describe('defaults policy: properties over generated pods', () => {
  it('patches round-trip, keep every user value, reach the defaults, and are idempotent', () => {
    fc.assert(
      fc.property(podSpec, config, (spec, cfg) => {
        const original = pod(spec);
        const { patch, result } = mutate(original, { config: cfg });
        const patched = apply(original, patch);
        expect(patched).toEqual(result);
        // a second mutation of the patched object finds nothing left to do
        expect(mutate(patched, { config: cfg }).patch).toEqual([]);
        // the defaults only add object members and replace values, so even applying the same
        // patch twice changes nothing the second time
        expect(patch.every((op) => op.op === 'add' || op.op === 'replace')).toBe(true);
        expect(apply(patched, patch)).toEqual(patched);
        // nothing the user set is changed, except IfNotPresent when the override is on
        for (const [pointer, value] of leaves(original)) {
          if (cfg.imagePullPolicy?.enabled && cfg.imagePullPolicy.overrideIfNotPresent && value === 'IfNotPresent') continue;
          if (typeof value === 'object' && value !== null) continue; // an empty object may gain keys
          expect(jsonpatch.getValueByPointer(patched, pointer)).toEqual(value);
        }
        // ephemeral containers are never touched
        expect(patch.filter((op) => op.path.startsWith('/spec/ephemeralContainers'))).toEqual([]);

        const after = patched.spec as { containers: Container[]; initContainers?: Container[]; securityContext?: any; os?: any };
        const touched = [...(after.initContainers ?? []), ...after.containers];
        const windows = after.os?.name === 'windows';
        for (const c of touched) {
          if (cfg.resources?.enabled) {
            const req = c.resources?.requests ?? {};
            const lim = c.resources?.limits ?? {};
            expect(req.cpu).toBeDefined();
            expect(req.memory).toBeDefined();
            expect(lim.memory).toBeDefined();
            for (const name of Object.keys(lim)) {
              expect(req[name]).toBeDefined();
              expect(compareQuantities(req[name], lim[name])).toBeLessThanOrEqual(0);
            }
          }
          if (cfg.allowPrivilegeEscalation?.enabled && !windows) {
            const exempt = c.securityContext?.privileged === true || addsSysAdmin(c.securityContext);
            if (!exempt) expect(typeof c.securityContext?.allowPrivilegeEscalation).toBe('boolean');
          }
          if (cfg.imagePullPolicy?.enabled && !c.image!.includes('@')) {
            expect(c.imagePullPolicy).toBeDefined();
            if (cfg.imagePullPolicy.overrideIfNotPresent) expect(c.imagePullPolicy).not.toBe('IfNotPresent');
          }
        }
        if (cfg.seccompProfile?.enabled && !windows) {
          const anyChosen = [spec.securityContext, ...[spec.containers, spec.initContainers ?? [], spec.ephemeralContainers ?? []].flat().map((c: any) => c.securityContext)]
            .some((sc: any) => sc?.seccompProfile !== undefined);
          if (!anyChosen) expect(after.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('defaults policy: Pod Security restricted fields', () => {
  it('makes a pod that lacks only resources, seccomp and allowPrivilegeEscalation compliant on those fields', () => {
    const original = pod({
      securityContext: { runAsNonRoot: true },
      initContainers: [{ name: 'init', image: 'busybox', securityContext: { capabilities: { drop: ['ALL'] } } }],
      containers: [
        { name: 'app', image: 'nginx', securityContext: { capabilities: { drop: ['ALL'] } } },
        { name: 'side', image: 'envoy', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } },
      ],
    });
    const patched = apply(original, mutate(original).patch);
    const spec = patched.spec as any;
    // restricted "seccompProfile": pod-level RuntimeDefault covers every container
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // restricted "allowPrivilegeEscalation": false on every container and init container
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
      expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    }
  });
});
