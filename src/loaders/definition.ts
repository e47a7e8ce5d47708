/**
 * Checks a policy module's default export against PolicyDefinition (src/index.ts) before it is
 * trusted: a module written in plain JavaScript, or TypeScript that was never type-checked, can
 * export anything. Each problem names the file and the field, e.g.
 * `policies/x.ts: default export: match.resources[0].operations[1] must be one of ... (got "create")`.
 */
import { OPERATIONS } from '../admission/types.js';
import type { PolicyDefinition } from '../index.js';
import { PolicyLoadError } from './errors.js';

const fail = (file: string, field: string, problem: string): never => {
  throw new PolicyLoadError('POLICY_INVALID', file, `default export${field ? `: ${field}` : ''} ${problem}`);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  return JSON.stringify(value);
};

// Kubernetes object names: DNS subdomain (lowercase alphanumerics, '-', '.'), at most 253 characters
const POLICY_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function stringList(value: unknown, file: string, field: string, allowed?: readonly string[]): void {
  if (!Array.isArray(value) || value.length === 0) fail(file, field, `must be a non-empty list of strings (got ${show(value)})`);
  (value as unknown[]).forEach((item, i) => {
    if (typeof item !== 'string') fail(file, `${field}[${i}]`, `must be a string (got ${show(item)})`);
    if (allowed && !allowed.includes(item as string)) fail(file, `${field}[${i}]`, `must be one of ${allowed.join(', ')} (got ${show(item)})`);
  });
}

function optionalEnum(value: unknown, file: string, field: string, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    fail(file, field, `must be one of ${allowed.join(', ')} (got ${show(value)})`);
  }
}

function labelSelector(value: unknown, file: string, field: string): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(file, field, `must be a label selector object (got ${show(value)})`);
  const selector = value as Record<string, unknown>;
  if (selector.matchLabels !== undefined) {
    if (!isObject(selector.matchLabels)) fail(file, `${field}.matchLabels`, `must map label names to values (got ${show(selector.matchLabels)})`);
    for (const [key, v] of Object.entries(selector.matchLabels as object)) {
      if (typeof v !== 'string') fail(file, `${field}.matchLabels.${key}`, `must be a string (got ${show(v)})`);
    }
  }
  if (selector.matchExpressions !== undefined) {
    if (!Array.isArray(selector.matchExpressions)) fail(file, `${field}.matchExpressions`, `must be a list (got ${show(selector.matchExpressions)})`);
    (selector.matchExpressions as unknown[]).forEach((expression, i) => {
      const at = `${field}.matchExpressions[${i}]`;
      if (!isObject(expression) || typeof expression.key !== 'string') fail(file, `${at}.key`, 'must be a string');
      const e = expression as Record<string, unknown>;
      optionalEnum(e.operator, file, `${at}.operator`, ['In', 'NotIn', 'Exists', 'DoesNotExist']);
      if (e.operator === undefined) fail(file, `${at}.operator`, 'must be one of In, NotIn, Exists, DoesNotExist (got nothing)');
      if ((e.operator === 'In' || e.operator === 'NotIn')) stringList(e.values, file, `${at}.values`);
    });
  }
}

export function checkPolicyDefinition(value: unknown, file: string): PolicyDefinition {
  if (!isObject(value)) fail(file, '', `must be a policy definition object from definePolicy({...}) (got ${show(value)})`);
  const d = value as Record<string, unknown>;
  if (typeof d.name !== 'string' || !POLICY_NAME.test(d.name)) {
    fail(file, 'name', `must be a lowercase DNS name like 'no-host-network' (got ${show(d.name)})`);
  }
  if (d.description !== undefined && typeof d.description !== 'string') fail(file, 'description', `must be a string (got ${show(d.description)})`);
  if (!isObject(d.match)) fail(file, 'match', `must be an object with resources (got ${show(d.match)})`);
  const match = d.match as Record<string, unknown>;
  if (!Array.isArray(match.resources) || match.resources.length === 0) {
    fail(file, 'match.resources', `must be a non-empty list of resource rules (got ${show(match.resources)})`);
  }
  (match.resources as unknown[]).forEach((rule, i) => {
    const at = `match.resources[${i}]`;
    if (!isObject(rule)) fail(file, at, `must be a resource rule object (got ${show(rule)})`);
    const r = rule as Record<string, unknown>;
    stringList(r.apiGroups, file, `${at}.apiGroups`);
    stringList(r.apiVersions, file, `${at}.apiVersions`);
    stringList(r.resources, file, `${at}.resources`);
    stringList(r.operations, file, `${at}.operations`, [...OPERATIONS, '*']);
    optionalEnum(r.scope, file, `${at}.scope`, ['Cluster', 'Namespaced', '*']);
    if (r.resourceNames !== undefined) stringList(r.resourceNames, file, `${at}.resourceNames`);
  });
  labelSelector(match.namespaceSelector, file, 'match.namespaceSelector');
  labelSelector(match.objectSelector, file, 'match.objectSelector');
  if (match.excludeNamespaces !== undefined) stringList(match.excludeNamespaces, file, 'match.excludeNamespaces');
  optionalEnum(d.action, file, 'action', ['Deny', 'Warn', 'Audit']);
  optionalEnum(d.failurePolicy, file, 'failurePolicy', ['Fail', 'Ignore']);
  optionalEnum(d.messageFormat, file, 'messageFormat', ['prefixed', 'verbatim']);
  if (d.timeoutMs !== undefined && (typeof d.timeoutMs !== 'number' || !Number.isFinite(d.timeoutMs) || d.timeoutMs <= 0 || d.timeoutMs > 30_000)) {
    fail(file, 'timeoutMs', `must be a number of milliseconds from 1 to 30000 (got ${show(d.timeoutMs)})`);
  }
  for (const fn of ['validate', 'mutate'] as const) {
    if (d[fn] !== undefined && typeof d[fn] !== 'function') fail(file, fn, `must be a function (got ${show(d[fn])})`);
  }
  if (d.validate === undefined && d.mutate === undefined) fail(file, 'validate', 'or mutate must be given: a policy needs at least one of them');
  return value as unknown as PolicyDefinition;
}
