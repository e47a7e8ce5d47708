/**
 * Structural checks for admissionregistration.k8s.io objects read from YAML, reported the way the
 * apiserver reports field errors (`spec.failurePolicy: Unsupported value: "Foo": supported
 * values: "Fail", "Ignore"`), so an error names the exact field and reads like `kubectl apply`'s.
 *
 * The readers here take untyped YAML, report wrong types and unknown fields, and return typed
 * values (undefined when absent or wrong). Shared by ValidatingAdmissionPolicy and
 * MutatingAdmissionPolicy loaders: match resources, rules, label selectors, param kinds/refs, names.
 */
import type { Operation } from '../admission/types.js';
import type { LabelSelector, LabelSelectorRequirement, MatchPolicy, MatchResourcesSpec } from '../engine/match.js';
import type { ResourceRule } from '../engine/types.js';

export interface FieldError {
  /** e.g. spec.validations[2].expression */
  field: string;
  /** the full text, starting with the field */
  message: string;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Collects field errors in the apiserver's wording. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  private add(field: string, text: string): void {
    this.list.push({ field, message: `${field}: ${text}` });
  }
  required(field: string, detail = ''): void {
    this.add(field, detail ? `Required value: ${detail}` : 'Required value');
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.add(field, `Invalid value: ${show(value)}: ${detail}`);
  }
  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    this.add(field, `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`);
  }
  duplicate(field: string, value: unknown): void {
    this.add(field, `Duplicate value: ${show(value)}`);
  }
  forbidden(field: string, detail: string): void {
    this.add(field, `Forbidden: ${detail}`);
  }
  tooMany(field: string, actual: number, max: number): void {
    this.add(field, `Too many: ${actual}: must have at most ${max} items`);
  }
  unknownField(field: string): void {
    this.add(field, 'Unknown field (not part of the admissionregistration.k8s.io API; check the spelling)');
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Typed readers

export type YamlMap = Record<string, unknown>;

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reports keys that the object type does not have (YAML typos such as `validation:`). */
export function checkKnownFields(value: YamlMap, known: readonly string[], path: string, errs: FieldErrors): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) errs.unknownField(path ? `${path}.${key}` : key);
}

export function readMap(parent: YamlMap, key: string, path: string, errs: FieldErrors): YamlMap | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) {
    errs.invalid(path, value, 'must be an object');
    return undefined;
  }
  return value;
}

export function readString(parent: YamlMap, key: string, path: string, errs: FieldErrors): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    errs.invalid(path, value, 'must be a string');
    return undefined;
  }
  return value;
}

export function readList(parent: YamlMap, key: string, path: string, errs: FieldErrors): unknown[] | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    errs.invalid(path, value, 'must be a list');
    return undefined;
  }
  return value;
}

export function readStringList(parent: YamlMap, key: string, path: string, errs: FieldErrors): string[] | undefined {
  const list = readList(parent, key, path, errs);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else errs.invalid(`${path}[${i}]`, item, 'must be a string');
  });
  return out;
}

/** Each map entry of a list, with its path; non-maps are reported. */
export function eachMap(list: unknown[] | undefined, path: string, errs: FieldErrors): { item: YamlMap; path: string; index: number }[] {
  const out: { item: YamlMap; path: string; index: number }[] = [];
  (list ?? []).forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (isMap(item)) out.push({ item, path: itemPath, index });
    else errs.invalid(itemPath, item, 'must be an object');
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Name formats (apimachinery's validation rules, in our own words)

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dnsSubdomainProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    out.push("must be a lowercase RFC 1123 subdomain: lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric (e.g. 'example.com')");
  }
  return out;
}

export function dns1035LabelProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(value)) {
    out.push("must be an RFC 1035 label: lower case alphanumerics or '-', starting with a letter and ending with an alphanumeric (e.g. 'my-name')");
  }
  return out;
}

export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) return ["must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/my-name')"];
  const name = parts.length === 2 ? (parts[1] as string) : value;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === '') out.push('prefix part must be non-empty');
    else for (const p of dnsSubdomainProblems(prefix)) out.push(`prefix part ${p}`);
  }
  if (name === '') out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) {
      out.push("name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my.name')");
    }
  }
  return out;
}

export function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) out.push("must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my_value')");
  return out;
}

/** A name usable as one URL path segment (resourceNames, paramRef.name). */
export function pathSegmentProblems(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const out: string[] = [];
  if (value.includes('/')) out.push("may not contain '/'");
  if (value.includes('%')) out.push("may not contain '%'");
  return out;
}

/** metadata.name of a policy or binding: required, a DNS subdomain. Returns the name ('' when missing). */
export function readObjectName(doc: YamlMap, errs: FieldErrors): string {
  const metadata = readMap(doc, 'metadata', 'metadata', errs);
  const name = metadata ? readString(metadata, 'name', 'metadata.name', errs) : undefined;
  if (!name) {
    errs.required('metadata.name', 'name or generateName is required');
    return '';
  }
  for (const problem of dnsSubdomainProblems(name)) errs.invalid('metadata.name', name, problem);
  return name;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function readLabelSelector(parent: YamlMap, key: string, path: string, errs: FieldErrors): LabelSelector | undefined {
  const value = readMap(parent, key, path, errs);
  if (!value) return undefined;
  checkKnownFields(value, ['matchLabels', 'matchExpressions'], path, errs);
  const selector: LabelSelector = {};
  const labels = readMap(value, 'matchLabels', `${path}.matchLabels`, errs);
  if (labels) {
    selector.matchLabels = {};
    for (const [k, v] of Object.entries(labels)) {
      const field = `${path}.matchLabels`;
      for (const problem of qualifiedNameProblems(k)) errs.invalid(field, k, problem);
      if (typeof v !== 'string') {
        errs.invalid(`${field}.${k}`, v, 'must be a string');
        continue;
      }
      for (const problem of labelValueProblems(v)) errs.invalid(field, v, problem);
      selector.matchLabels[k] = v;
    }
  }
  const expressions = readList(value, 'matchExpressions', `${path}.matchExpressions`, errs);
  if (expressions) {
    selector.matchExpressions = [];
    for (const { item, path: p } of eachMap(expressions, `${path}.matchExpressions`, errs)) {
      checkKnownFields(item, ['key', 'operator', 'values'], p, errs);
      const keyName = readString(item, 'key', `${p}.key`, errs) ?? '';
      const operator = readString(item, 'operator', `${p}.operator`, errs) ?? '';
      const values = readStringList(item, 'values', `${p}.values`, errs);
      if (keyName === '') errs.required(`${p}.key`);
      else for (const problem of qualifiedNameProblems(keyName)) errs.invalid(`${p}.key`, keyName, problem);
      if (operator === 'In' || operator === 'NotIn') {
        if (!values || values.length === 0) errs.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
      } else if (operator === 'Exists' || operator === 'DoesNotExist') {
        if (values && values.length > 0) errs.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      } else {
        errs.notSupported(`${p}.operator`, operator, SELECTOR_OPERATORS);
      }
      (values ?? []).forEach((v, i) => {
        for (const problem of labelValueProblems(v)) errs.invalid(`${p}.values[${i}]`, v, problem);
      });
      const requirement: LabelSelectorRequirement = { key: keyName, operator };
      if (values) requirement.values = values;
      selector.matchExpressions.push(requirement);
    }
  }
  return selector;
}

// ---------------------------------------------------------------------------------------------
// Rules and MatchResources

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'] as const;
const SCOPES = ['*', 'Cluster', 'Namespaced'] as const;
const MATCH_POLICIES = ['Equivalent', 'Exact'] as const;

function checkWildcardAlone(list: string[] | undefined, path: string, what: string, errs: FieldErrors): void {
  if (list && list.length > 1 && list.includes('*')) errs.invalid(path, list, `if '*' is present, must not specify other ${what}`);
}

function checkResources(resources: string[] | undefined, path: string, errs: FieldErrors): void {
  if (!resources || resources.length === 0) {
    errs.required(path);
    return;
  }
  const wildcardSubOf = new Set<string>(); // x/*
  const wildcardResOf = new Set<string>(); // */x
  let hasResourceWithoutSub = false;
  resources.forEach((entry, i) => {
    if (entry === '') {
      errs.required(`${path}[${i}]`);
      return;
    }
    const slash = entry.indexOf('/');
    if (slash < 0) {
      if (entry !== '*') hasResourceWithoutSub = true;
      return;
    }
    const res = entry.slice(0, slash);
    const sub = entry.slice(slash + 1);
    if (wildcardSubOf.has(res)) errs.invalid(`${path}[${i}]`, entry, `if '${res}/*' is present, must not specify ${entry}`);
    if (wildcardResOf.has(sub)) errs.invalid(`${path}[${i}]`, entry, `if '*/${sub}' is present, must not specify ${entry}`);
    if (sub === '*') wildcardSubOf.add(res);
    if (res === '*') wildcardResOf.add(sub);
  });
  if (resources.length > 1 && resources.includes('*/*')) errs.invalid(path, resources, "if '*/*' is present, must not specify other resources");
  if (resources.includes('*') && hasResourceWithoutSub) {
    errs.invalid(path, resources, "if '*' is present, must not specify other resources without subresources");
  }
}

/** A NamedRuleWithOperations. Returns the rule (possibly partial when there were errors). */
export function readRule(item: YamlMap, path: string, errs: FieldErrors): ResourceRule {
  checkKnownFields(item, ['apiGroups', 'apiVersions', 'resources', 'operations', 'scope', 'resourceNames'], path, errs);
  const apiGroups = readStringList(item, 'apiGroups', `${path}.apiGroups`, errs);
  const apiVersions = readStringList(item, 'apiVersions', `${path}.apiVersions`, errs);
  const resources = readStringList(item, 'resources', `${path}.resources`, errs);
  const operations = readStringList(item, 'operations', `${path}.operations`, errs);
  const scope = readString(item, 'scope', `${path}.scope`, errs);
  const resourceNames = readStringList(item, 'resourceNames', `${path}.resourceNames`, errs);

  if (!operations || operations.length === 0) errs.required(`${path}.operations`);
  checkWildcardAlone(operations, `${path}.operations`, 'operations', errs);
  (operations ?? []).forEach((op, i) => {
    if (!(OPERATIONS as readonly string[]).includes(op)) errs.notSupported(`${path}.operations[${i}]`, op, OPERATIONS);
  });
  if (!apiGroups || apiGroups.length === 0) errs.required(`${path}.apiGroups`);
  checkWildcardAlone(apiGroups, `${path}.apiGroups`, 'API groups', errs);
  if (!apiVersions || apiVersions.length === 0) errs.required(`${path}.apiVersions`);
  checkWildcardAlone(apiVersions, `${path}.apiVersions`, 'API versions', errs);
  (apiVersions ?? []).forEach((v, i) => {
    if (v === '') errs.required(`${path}.apiVersions[${i}]`);
  });
  checkResources(resources, `${path}.resources`, errs);
  if (scope !== undefined && !(SCOPES as readonly string[]).includes(scope)) errs.notSupported(`${path}.scope`, scope, SCOPES);
  const seen = new Set<string>();
  (resourceNames ?? []).forEach((name, i) => {
    for (const problem of pathSegmentProblems(name)) errs.invalid(`${path}.resourceNames[${i}]`, name, problem);
    if (seen.has(name)) errs.duplicate(`${path}.resourceNames[${i}]`, name);
    seen.add(name);
  });

  const rule: ResourceRule = {
    apiGroups: apiGroups ?? [],
    apiVersions: apiVersions ?? [],
    resources: resources ?? [],
    operations: (operations ?? []) as (Operation | '*')[],
  };
  if (scope !== undefined) rule.scope = scope as ResourceRule['scope'];
  if (resourceNames && resourceNames.length > 0) rule.resourceNames = resourceNames;
  return rule;
}

/**
 * MatchResources (policy matchConstraints or binding matchResources), with the API defaults
 * applied (matchPolicy Equivalent, empty selectors). `requireRules`: a policy's matchConstraints
 * must name at least one resource rule (it gives the expressions their types).
 */
export function readMatchResources(value: YamlMap, path: string, errs: FieldErrors, options: { requireRules: boolean }): MatchResourcesSpec {
  checkKnownFields(value, ['namespaceSelector', 'objectSelector', 'resourceRules', 'excludeResourceRules', 'matchPolicy'], path, errs);
  const spec: MatchResourcesSpec = {};
  const matchPolicy = readString(value, 'matchPolicy', `${path}.matchPolicy`, errs);
  if (matchPolicy !== undefined) {
    if ((MATCH_POLICIES as readonly string[]).includes(matchPolicy)) spec.matchPolicy = matchPolicy as MatchPolicy;
    else errs.notSupported(`${path}.matchPolicy`, matchPolicy, MATCH_POLICIES);
  }
  const namespaceSelector = readLabelSelector(value, 'namespaceSelector', `${path}.namespaceSelector`, errs);
  if (namespaceSelector) spec.namespaceSelector = namespaceSelector;
  const objectSelector = readLabelSelector(value, 'objectSelector', `${path}.objectSelector`, errs);
  if (objectSelector) spec.objectSelector = objectSelector;
  const rules = readList(value, 'resourceRules', `${path}.resourceRules`, errs);
  spec.resourceRules = eachMap(rules, `${path}.resourceRules`, errs).map(({ item, path: p }) => readRule(item, p, errs));
  const excludes = readList(value, 'excludeResourceRules', `${path}.excludeResourceRules`, errs);
  spec.excludeResourceRules = eachMap(excludes, `${path}.excludeResourceRules`, errs).map(({ item, path: p }) => readRule(item, p, errs));
  if (options.requireRules && spec.resourceRules.length === 0) errs.required(`${path}.resourceRules`);
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Params

export interface ParamKind {
  apiVersion: string;
  kind: string;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  parameterNotFoundAction: 'Allow' | 'Deny';
}

export function readParamKind(value: YamlMap, path: string, errs: FieldErrors): ParamKind {
  checkKnownFields(value, ['apiVersion', 'kind'], path, errs);
  const apiVersion = readString(value, 'apiVersion', `${path}.apiVersion`, errs) ?? '';
  const kind = readString(value, 'kind', `${path}.kind`, errs) ?? '';
  if (apiVersion === '') errs.required(`${path}.apiVersion`);
  else {
    const parts = apiVersion.split('/');
    if (parts.length > 2) errs.invalid(`${path}.apiVersion`, apiVersion, 'must be "version" or "group/version"');
    else {
      const [group, version] = parts.length === 2 ? [parts[0] as string, parts[1] as string] : ['', apiVersion];
      if (group !== '') for (const problem of dnsSubdomainProblems(group)) errs.invalid(`${path}.apiVersion`, group, problem);
      if (version === '') errs.invalid(`${path}.apiVersion`, apiVersion, 'version must be specified');
      else for (const problem of dns1035LabelProblems(version)) errs.invalid(`${path}.apiVersion`, version, problem);
    }
  }
  if (kind === '') errs.required(`${path}.kind`);
  else for (const problem of dns1035LabelProblems(kind.toLowerCase())) errs.invalid(`${path}.kind`, kind, `may have mixed case, but otherwise ${problem}`);
  return { apiVersion, kind };
}

const NOT_FOUND_ACTIONS = ['Allow', 'Deny'] as const;

export function readParamRef(value: YamlMap, path: string, errs: FieldErrors): ParamRef {
  checkKnownFields(value, ['name', 'namespace', 'selector', 'parameterNotFoundAction'], path, errs);
  const name = readString(value, 'name', `${path}.name`, errs);
  const namespace = readString(value, 'namespace', `${path}.namespace`, errs);
  const selector = readLabelSelector(value, 'selector', `${path}.selector`, errs);
  const action = readString(value, 'parameterNotFoundAction', `${path}.parameterNotFoundAction`, errs);
  if (name) {
    for (const problem of pathSegmentProblems(name)) errs.invalid(`${path}.name`, name, problem);
    if (selector) errs.forbidden(`${path}.name`, 'name and selector are mutually exclusive');
  }
  if (selector && name) errs.forbidden(`${path}.selector`, 'name and selector are mutually exclusive');
  if (!name && !selector) errs.required(path, 'one of name or selector must be specified');
  if (namespace) for (const problem of dnsSubdomainProblems(namespace)) errs.invalid(`${path}.namespace`, namespace, problem);
  if (!action) errs.required(`${path}.parameterNotFoundAction`);
  else if (!(NOT_FOUND_ACTIONS as readonly string[]).includes(action)) errs.notSupported(`${path}.parameterNotFoundAction`, action, NOT_FOUND_ACTIONS);
  const ref: ParamRef = { parameterNotFoundAction: action === 'Allow' ? 'Allow' : 'Deny' };
  if (name) ref.name = name;
  if (namespace) ref.namespace = namespace;
  if (selector) ref.selector = selector;
  return ref;
}
