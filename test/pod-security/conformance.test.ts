/**
 * The Kubernetes Pod Security Admission conformance fixtures (kubernetes/pod-security-admission
 * test/testdata): every pass pod allowed and every fail pod denied at its level and version,
 * three ways - the evaluator alone, the policy's validate() with the namespace labelled
 * enforce/warn/audit=<level> at <version>, and the pod as a Deployment template (warn, never deny).
 * Fixtures: $PORTCULLIS_PSA_FIXTURES, default ../shared/conformance/pod-security beside the repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/index.js';
import { parseVersion, type Level } from '../../policies/pod-security/api.js';
import type { PodSpec } from '../../policies/pod-security/checks/types.js';
import { aggregate, evaluate, forbiddenDetail } from '../../policies/pod-security/registry.js';
import { byAction, deploymentOf, validate } from './helpers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = process.env.PORTCULLIS_PSA_FIXTURES ?? path.resolve(REPO, '../shared/conformance/pod-security');
const INDEX = path.join(FIXTURES, 'index.json');
const present = existsSync(INDEX);
if (!present) console.warn(`[pod-security conformance] fixtures not found at ${FIXTURES}; set PORTCULLIS_PSA_FIXTURES. Skipping.`);

interface Fixture {
  file: string;
  level: Level;
  version: string;
  expect: 'pass' | 'fail';
  control: string;
  checkId: string | null;
}

// the substring upstream's harness (test/run.go) expects in a fail pod's error
const EXPECTED_SUBSTRING: Record<string, string> = {
  appArmorProfile: 'forbidden AppArmor profile',
  capabilities_baseline: 'capabilities',
  capabilities_restricted: 'unrestricted capabilities',
  hostNamespaces: 'host namespaces',
  hostPathVolumes: 'hostPath',
  hostPorts: 'hostPort',
  hostProbesAndHostLifecycle: 'probe or lifecycle host',
  procMount: 'procMount',
  procMount_restricted: 'procMount',
  restrictedVolumes: 'restricted volume types',
  seLinuxOptions: 'seLinuxOptions',
  seccompProfile_baseline: 'seccompProfile',
  seccompProfile_restricted: 'seccompProfile',
  sysctls: 'forbidden sysctl',
  windowsHostProcess: 'hostProcess',
};

// a fail pod named after a baseline control may be refused by the restricted check that replaces it
const ACCEPTED_RULES: Record<string, string[]> = {
  capabilities_baseline: ['capabilities_baseline', 'capabilities_restricted'],
  seccompProfile_baseline: ['seccompProfile_baseline', 'seccompProfile_restricted'],
  hostPathVolumes: ['hostPathVolumes', 'restrictedVolumes'],
  procMount: ['procMount', 'procMount_restricted'],
  // HostProcess pods need hostNetwork, so they break hostNamespaces too
  windowsHostProcess: ['windowsHostProcess', 'hostNamespaces'],
};

const fixtures: Fixture[] = present ? (JSON.parse(readFileSync(INDEX, 'utf8')) as Fixture[]) : [];
const folders = new Map<string, Fixture[]>();
for (const f of fixtures) {
  const key = `${f.level}/${f.version}`;
  const list = folders.get(key);
  if (list) list.push(f);
  else folders.set(key, [f]);
}

function load(f: Fixture): KubeObject {
  const pod = parse(readFileSync(path.join(FIXTURES, f.file), 'utf8')) as KubeObject;
  // as upstream's harness does before a dry-run create
  pod.metadata = { ...pod.metadata, name: 'test', namespace: 'conformance' };
  (pod.spec as Record<string, unknown>).serviceAccountName = 'default';
  return pod;
}

const tally = new Map<string, { pass: number; fail: number }>();

describe.skipIf(!present)('Pod Security Admission conformance fixtures', () => {
  it('has the fixture set the README describes (4537 fixtures, 38 versions per level)', () => {
    expect(fixtures).toHaveLength(4537);
    expect(folders.size).toBe(76);
    expect(fixtures.filter((f) => f.expect === 'pass')).toHaveLength(1051);
  });

  for (const [folder, list] of folders) {
    it(`${folder}: ${list.length} fixtures`, () => {
      const mismatches: string[] = [];
      for (const f of list) {
        const pod = load(f);
        const where = f.file;
        const ns = {
          'pod-security.kubernetes.io/enforce': f.level,
          'pod-security.kubernetes.io/enforce-version': f.version,
          'pod-security.kubernetes.io/warn': f.level,
          'pod-security.kubernetes.io/warn-version': f.version,
          'pod-security.kubernetes.io/audit': f.level,
          'pod-security.kubernetes.io/audit-version': f.version,
        };
        const expected = f.checkId ? EXPECTED_SUBSTRING[f.checkId] ?? f.checkId : undefined;
        const acceptedRules = f.checkId ? ACCEPTED_RULES[f.checkId] ?? [f.checkId] : [];

        // 1. the evaluator alone
        const result = aggregate(evaluate(f.level, parseVersion(f.version).value, pod.metadata ?? {}, (pod.spec ?? {}) as PodSpec));
        if (f.expect === 'pass' && !result.allowed) mismatches.push(`${where}: evaluate denied: ${forbiddenDetail(result)}`);
        if (f.expect === 'fail') {
          if (result.allowed) mismatches.push(`${where}: evaluate allowed`);
          else if (!result.forbidden.some((r) => acceptedRules.includes(r.id ?? ''))) {
            mismatches.push(`${where}: evaluate failed other checks: ${result.forbidden.map((r) => r.id).join(', ')}`);
          }
        }

        // 2. the policy, as the engine calls it for a Pod CREATE
        const out = validate(pod, { namespace: 'conformance', labels: ns });
        const deny = byAction(out, 'Deny');
        if (f.expect === 'pass' && out.violations.length > 0) {
          mismatches.push(`${where}: policy reported ${out.violations.map((v) => `${v.action}:${v.message}`).join(' | ')}`);
        }
        if (f.expect === 'fail') {
          if (deny.messages.length !== 1) mismatches.push(`${where}: policy gave ${deny.messages.length} deny messages`);
          const message = deny.messages[0] ?? '';
          if (!message.startsWith(`violates PodSecurity "${f.level}:${f.version}": `)) mismatches.push(`${where}: deny message ${message}`);
          if (expected && !message.includes(expected)) mismatches.push(`${where}: deny message lacks ${JSON.stringify(expected)}: ${message}`);
          if (!deny.rules.some((r) => acceptedRules.includes(r))) mismatches.push(`${where}: deny rules ${deny.rules.join(',')}`);
          if (byAction(out, 'Warn').messages.length > 0) mismatches.push(`${where}: warned on a denied pod`);
          if (out.auditAnnotations?.['enforce-policy'] !== `${f.level}:${f.version}`) mismatches.push(`${where}: enforce-policy annotation`);
        }

        // 3. the same pod as a Deployment template: warnings, never a denial
        const workload = validate(deploymentOf(pod), { namespace: 'conformance', labels: ns });
        if (byAction(workload, 'Deny').messages.length > 0) mismatches.push(`${where}: Deployment denied`);
        const warn = byAction(workload, 'Warn');
        if (f.expect === 'pass' && workload.violations.length > 0) mismatches.push(`${where}: Deployment reported ${warn.messages.join(' | ')}`);
        if (f.expect === 'fail') {
          const message = warn.messages[0] ?? '';
          if (warn.messages.length !== 1 || !message.startsWith(`would violate PodSecurity "${f.level}:${f.version}": `)) {
            mismatches.push(`${where}: Deployment warnings ${JSON.stringify(warn.messages)}`);
          }
          if (expected && !message.includes(expected)) mismatches.push(`${where}: Deployment warning lacks ${JSON.stringify(expected)}`);
          if (byAction(workload, 'Audit').messages.length !== 1) mismatches.push(`${where}: Deployment audit missing`);
        }

        const count = tally.get(f.level) ?? { pass: 0, fail: 0 };
        count[f.expect]++;
        tally.set(f.level, count);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('counted every fixture', () => {
    for (const [level, count] of tally) console.log(`[pod-security conformance] ${level}: ${count.pass} pass + ${count.fail} fail fixtures checked`);
    const total = [...tally.values()].reduce((n, c) => n + c.pass + c.fail, 0);
    console.log(`[pod-security conformance] total: ${total} of ${fixtures.length}`);
    expect(total).toBe(fixtures.length);
  });
});
