/**
 * The policy test suite format (`portcullis test PATH...`) and its reader: a policy is proven in CI before it reaches
 * a cluster. A suite is one YAML document (format in README "Policy test suites"):
 *
 *   apiVersion: portcullis.dev/v1alpha1
 *   kind: PolicyTest
 *   metadata: { name: pod-security }
 *   policies: [..]                      # policy folders or files, relative to the suite file
 *   config: ../config.yaml              # optional: a portcullis config file, or the config inline
 *   namespaces: { prod: { team: a } }   # optional: namespace name -> labels, for every case
 *   cases:
 *     - name: privileged pod is denied
 *       resource: fail/privileged.yaml  # file or folder (one case per object), or `object:` inline
 *       operation: CREATE               # optional; UPDATE needs oldObject or oldResource
 *       userInfo: { username: alice }   # optional
 *       namespaceLabels: { k: v }       # optional: labels of the object's namespace
 *       expect:
 *         - policy: pod-security
 *           result: fail                # pass | fail | warn | audit | error | skip
 *           rule: privileged            # optional: only this validation or control
 *           message: privileged         # optional: a substring of one of the messages
 *           patched: {...}              # optional: the object after this policy's mutation
 *                                       #   (or patchedResource: FILE)
 *
 * Every case is evaluated with the webhook's engine (PolicySet.validate, and PolicySet.mutate for
 * `patched`), exactly as `portcullis audit` does. Results per policy: `fail` = a Deny finding,
 * `warn` = a Warn finding, `audit` = an Audit finding, `error` = the policy failed to run,
 * `pass` = the policy's rules cover the request and it found nothing, `skip` = its rules do not
 * cover the request.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { KubeObject, Operation, UserInfo } from '../admission/types.js';
import { parseConfig, type PortcullisConfig } from '../loaders/index.js';
import { AuditInputError, SuiteError } from './errors.js';
import type { PolicyOutcome } from './evaluate.js';
import { readManifests } from './manifests.js';
import { describe as describeObject } from './requests.js';
import { ResourceCatalog } from './resources.js';

export const SUITE_API_VERSION = 'portcullis.dev/v1alpha1';
export const SUITE_KIND = 'PolicyTest';
const RESULTS: readonly string[] = ['pass', 'fail', 'warn', 'audit', 'error', 'skip'];
const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE'];

export type ExpectedResult = PolicyOutcome | 'skip';

export interface Expectation {
  policy: string;
  result: ExpectedResult;
  rule?: string;
  message?: string;
  patched?: KubeObject;
}

export interface TestCase {
  name: string;
  object: KubeObject;
  operation: Operation;
  oldObject?: KubeObject;
  userInfo?: UserInfo;
  namespaceLabels?: Record<string, string>;
  expect: Expectation[];
}

export interface Suite {
  file: string;
  name: string;
  policies: string[];
  config?: PortcullisConfig;
  namespaces: Map<string, Record<string, string>>;
  cases: TestCase[];
}

// ------------------------------------------------------------------------------------ finding suites

/** Suite files: given files as they are; in folders, every `*.test.yaml` / `*.test.yml` below. */
export async function findSuites(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch((error: NodeJS.ErrnoException) => {
      throw new AuditInputError('MANIFEST_UNREADABLE', `cannot read path: ${error.code ?? error.message}`, { file: given });
    });
    if (!info.isDirectory()) {
      found.push(given);
      continue;
    }
    const before = found.length;
    await walkSuites(given, found);
    if (found.length === before) throw new SuiteError(given, 'folder holds no suite file (*.test.yaml or *.test.yml)');
  }
  return found;
}

async function walkSuites(dir: string, found: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walkSuites(full, found);
    else if (/\.test\.ya?ml$/.test(entry.name)) found.push(full);
  }
}

// ----------------------------------------------------------------------------------- reading a suite

type Json = Record<string, unknown>;

class SuiteReader {
  constructor(readonly file: string) {}

  fail(where: string, message: string): SuiteError {
    return new SuiteError(this.file, `${where}: ${message}`);
  }

  object(value: unknown, where: string): Json {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.fail(where, `must be a mapping (got ${kindOf(value)})`);
    return value as Json;
  }

  only(value: Json, where: string, allowed: string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) throw this.fail(`${where}${where ? '.' : ''}${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string' || value === '') throw this.fail(where, `must be a non-empty string (got ${kindOf(value)})`);
    return value;
  }

  list(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value) || value.length === 0) throw this.fail(where, `must be a non-empty list (got ${kindOf(value)})`);
    return value;
  }

  labels(value: unknown, where: string): Record<string, string> {
    const map = this.object(value, where);
    for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') throw this.fail(`${where}.${k}`, `label values are strings (got ${kindOf(v)})`);
    return map as Record<string, string>;
  }

  relative(value: unknown, where: string): string {
    return path.resolve(path.dirname(this.file), this.string(value, where));
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

async function objectsOf(reader: SuiteReader, file: string, where: string): Promise<KubeObject[]> {
  try {
    return (await readManifests([file])).map((o) => o.object);
  } catch (error) {
    throw reader.fail(where, (error as Error).message);
  }
}

async function singleObject(reader: SuiteReader, file: string, where: string): Promise<KubeObject> {
  const objects = await objectsOf(reader, file, where);
  if (objects.length !== 1) throw reader.fail(where, `${file} must hold exactly one object (holds ${objects.length})`);
  return objects[0] as KubeObject;
}

function inlineObject(reader: SuiteReader, value: unknown, where: string): KubeObject {
  const object = reader.object(value, where);
  reader.string(object.apiVersion, `${where}.apiVersion`);
  reader.string(object.kind, `${where}.kind`);
  return object as KubeObject;
}

export async function readSuite(file: string): Promise<Suite> {
  const reader = new SuiteReader(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SuiteError(file, `cannot read suite: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) throw new SuiteError(file, `invalid YAML at line ${problem.linePos?.[0].line ?? '?'}: ${problem.message.split('\n')[0]}`);
  const top = reader.object(doc.toJS(), '(document)');
  reader.only(top, '', ['apiVersion', 'kind', 'metadata', 'policies', 'config', 'namespaces', 'cases']);
  if (top.apiVersion !== SUITE_API_VERSION || top.kind !== SUITE_KIND) {
    throw reader.fail('(document)', `a suite has apiVersion: ${SUITE_API_VERSION} and kind: ${SUITE_KIND}`);
  }
  const metadata = top.metadata === undefined ? {} : reader.object(top.metadata, 'metadata');
  const name = typeof metadata.name === 'string' ? metadata.name : path.basename(file);
  const policies = reader.list(top.policies, 'policies').map((p, i) => reader.relative(p, `policies[${i}]`));

  let config: PortcullisConfig | undefined;
  if (typeof top.config === 'string') {
    const configFile = reader.relative(top.config, 'config');
    const configText = await readFile(configFile, 'utf8').catch(() => {
      throw reader.fail('config', `cannot read ${configFile}`);
    });
    config = parseConfig(configText, configFile);
  } else if (top.config !== undefined) {
    // Inline config: checked by the same parser as a config file, named after the suite.
    config = parseConfig(JSON.stringify(reader.object(top.config, 'config')), `${file} (config)`);
  }

  const namespaces = new Map<string, Record<string, string>>();
  if (top.namespaces !== undefined) {
    for (const [ns, labels] of Object.entries(reader.object(top.namespaces, 'namespaces'))) namespaces.set(ns, reader.labels(labels, `namespaces.${ns}`));
  }

  const cases: TestCase[] = [];
  const rawCases = reader.list(top.cases, 'cases');
  for (const [i, raw] of rawCases.entries()) cases.push(...(await readCase(reader, raw, `cases[${i}]`)));
  return { file, name, policies, ...(config ? { config } : {}), namespaces, cases };
}

async function readCase(reader: SuiteReader, raw: unknown, where: string): Promise<TestCase[]> {
  const entry = reader.object(raw, where);
  reader.only(entry, where, ['name', 'resource', 'object', 'operation', 'oldObject', 'oldResource', 'userInfo', 'namespaceLabels', 'expect']);
  const name = reader.string(entry.name, `${where}.name`);
  if ((entry.resource === undefined) === (entry.object === undefined)) throw reader.fail(where, 'give exactly one of resource (a file or folder) and object (inline)');
  const objects = entry.resource !== undefined
    ? await objectsOf(reader, reader.relative(entry.resource, `${where}.resource`), `${where}.resource`)
    : [inlineObject(reader, entry.object, `${where}.object`)];
  if (objects.length === 0) throw reader.fail(`${where}.resource`, 'holds no object');

  const operation = (entry.operation ?? 'CREATE') as Operation;
  if (!OPERATIONS.includes(operation)) throw reader.fail(`${where}.operation`, `must be one of ${OPERATIONS.join(', ')} (got ${kindOf(entry.operation)})`);
  let oldObject: KubeObject | undefined;
  if (entry.oldObject !== undefined && entry.oldResource !== undefined) throw reader.fail(where, 'give oldObject or oldResource, not both');
  if (entry.oldObject !== undefined) oldObject = inlineObject(reader, entry.oldObject, `${where}.oldObject`);
  if (entry.oldResource !== undefined) oldObject = await singleObject(reader, reader.relative(entry.oldResource, `${where}.oldResource`), `${where}.oldResource`);
  if (operation === 'UPDATE' && !oldObject) throw reader.fail(where, 'operation UPDATE needs oldObject or oldResource');
  if (operation !== 'UPDATE' && oldObject) throw reader.fail(where, 'oldObject is only used with operation UPDATE');
  if (operation === 'UPDATE' && objects.length > 1) throw reader.fail(`${where}.resource`, 'an UPDATE case takes exactly one object');

  let userInfo: UserInfo | undefined;
  if (entry.userInfo !== undefined) {
    const info = reader.object(entry.userInfo, `${where}.userInfo`);
    reader.only(info, `${where}.userInfo`, ['username', 'uid', 'groups', 'extra']);
    userInfo = info as UserInfo;
  }
  const namespaceLabels = entry.namespaceLabels === undefined ? undefined : reader.labels(entry.namespaceLabels, `${where}.namespaceLabels`);

  const expect: Expectation[] = [];
  for (const [j, rawExpect] of reader.list(entry.expect, `${where}.expect`).entries()) {
    const at = `${where}.expect[${j}]`;
    const e = reader.object(rawExpect, at);
    reader.only(e, at, ['policy', 'result', 'rule', 'message', 'patched', 'patchedResource']);
    const result = reader.string(e.result, `${at}.result`);
    if (!RESULTS.includes(result)) throw reader.fail(`${at}.result`, `must be one of ${RESULTS.join(', ')} (got "${result}")`);
    const expectation: Expectation = { policy: reader.string(e.policy, `${at}.policy`), result: result as ExpectedResult };
    if (e.rule !== undefined) expectation.rule = reader.string(e.rule, `${at}.rule`);
    if (e.message !== undefined) expectation.message = reader.string(e.message, `${at}.message`);
    if (e.patched !== undefined && e.patchedResource !== undefined) throw reader.fail(at, 'give patched or patchedResource, not both');
    if (e.patched !== undefined) expectation.patched = inlineObject(reader, e.patched, `${at}.patched`);
    if (e.patchedResource !== undefined) expectation.patched = await singleObject(reader, reader.relative(e.patchedResource, `${at}.patchedResource`), `${at}.patchedResource`);
    if (expectation.patched && objects.length > 1) throw reader.fail(at, 'patched needs a case with exactly one object');
    expect.push(expectation);
  }

  const catalog = new ResourceCatalog();
  return objects.map((object) => ({
    name: objects.length > 1 || entry.resource !== undefined ? `${name} [${describeObject(object, catalog)}]` : name,
    object,
    operation,
    ...(oldObject ? { oldObject } : {}),
    ...(userInfo ? { userInfo } : {}),
    ...(namespaceLabels ? { namespaceLabels } : {}),
    expect,
  }));
}

