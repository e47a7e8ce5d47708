/**
 * MutatingAdmissionPolicy and MutatingAdmissionPolicyBinding (admissionregistration.k8s.io
 * v1alpha1 and v1beta1; the two have the same shape) read from YAML into typed specs with the API's
 * defaults (failurePolicy Fail, reinvocationPolicy Never, matchPolicy Equivalent) and the
 * apiserver's structural validation, reported field by field in its wording. Field readers are
 * shared with the ValidatingAdmissionPolicy loader (vap-fields.ts). CEL expressions are only
 * checked for presence here; map.ts compiles them.
 */
import type { MatchResourcesSpec } from '../engine/match.js';
import type { FailurePolicy } from '../engine/types.js';
import {
  checkKnownFields,
  dnsSubdomainProblems,
  eachMap,
  FieldErrors,
  qualifiedNameProblems,
  readList,
  readMap,
  readMatchResources,
  readObjectName,
  readParamKind,
  readParamRef,
  readString,
  type FieldError,
  type ParamKind,
  type ParamRef,
  type YamlMap,
} from './vap-fields.js';

export const MAP_API_VERSIONS = ['admissionregistration.k8s.io/v1alpha1', 'admissionregistration.k8s.io/v1beta1'] as const;

export type PatchType = 'JSONPatch' | 'ApplyConfiguration';
export type ReinvocationPolicy = 'Never' | 'IfNeeded';

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface MutationSpec {
  patchType: PatchType;
  expression: string;
  /** e.g. spec.mutations[0].jsonPatch.expression (for error messages) */
  field: string;
}

export interface MutatingPolicySpec {
  name: string;
  failurePolicy: FailurePolicy;
  reinvocationPolicy: ReinvocationPolicy;
  paramKind?: ParamKind;
  matchConstraints: MatchResourcesSpec;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  mutations: MutationSpec[];
}

export interface MutatingBindingSpec {
  name: string;
  policyName: string;
  paramRef?: ParamRef;
  matchResources?: MatchResourcesSpec;
}

export interface Read<T> {
  spec: T;
  errors: FieldError[];
}

const FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
const REINVOCATION_POLICIES = ['Never', 'IfNeeded'] as const;
const PATCH_TYPES = ['ApplyConfiguration', 'JSONPatch'] as const;
const MAX_MATCH_CONDITIONS = 64;
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

const isBlank = (s: string | undefined): boolean => s === undefined || s.trim() === '';

function checkEnvelope(doc: YamlMap, kind: string, errs: FieldErrors): YamlMap | undefined {
  checkKnownFields(doc, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], '', errs);
  const apiVersion = doc.apiVersion;
  if (typeof apiVersion !== 'string' || !(MAP_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    errs.notSupported('apiVersion', apiVersion, MAP_API_VERSIONS);
  }
  if (doc.kind !== kind) errs.notSupported('kind', doc.kind, [kind]);
  const spec = readMap(doc, 'spec', 'spec', errs);
  if (!spec) errs.required('spec');
  return spec;
}

/** Mutating policies may not match DELETE (the apiserver rejects such a policy). */
function checkOperations(match: MatchResourcesSpec, path: string, errs: FieldErrors): void {
  for (const [list, key] of [[match.resourceRules, 'resourceRules'], [match.excludeResourceRules, 'excludeResourceRules']] as const) {
    (list ?? []).forEach((rule, i) => {
      rule.operations.forEach((op, j) => {
        if (op === 'DELETE') {
          errs.notSupported(`${path}.${key}[${i}].operations[${j}]`, op, ['*', 'CONNECT', 'CREATE', 'UPDATE']);
        }
      });
    });
  }
}

function readNamedExpressions(
  spec: YamlMap,
  key: 'matchConditions' | 'variables',
  errs: FieldErrors,
): NamedExpression[] {
  const list = readList(spec, key, `spec.${key}`, errs);
  if (key === 'matchConditions' && list && list.length > MAX_MATCH_CONDITIONS) errs.tooMany('spec.matchConditions', list.length, MAX_MATCH_CONDITIONS);
  const names = new Set<string>();
  const out: NamedExpression[] = [];
  for (const { item, path } of eachMap(list, `spec.${key}`, errs)) {
    checkKnownFields(item, ['name', 'expression'], path, errs);
    const name = readString(item, 'name', `${path}.name`, errs) ?? '';
    const expression = readString(item, 'expression', `${path}.expression`, errs) ?? '';
    if (isBlank(expression)) errs.required(`${path}.expression`, key === 'variables' ? 'expression is not specified' : '');
    if (isBlank(name)) errs.required(`${path}.name`, key === 'variables' ? 'name is not specified' : '');
    else {
      if (key === 'matchConditions') for (const problem of qualifiedNameProblems(name)) errs.invalid(`${path}.name`, name, problem);
      else if (!CEL_IDENTIFIER.test(name) || CEL_RESERVED.has(name)) errs.invalid(`${path}.name`, name, 'name is not a valid CEL identifier');
      if (names.has(name)) errs.duplicate(`${path}.name`, name);
      names.add(name);
    }
    out.push({ name, expression: key === 'matchConditions' ? expression.trim() : expression });
  }
  return out;
}

export function readMutatingPolicy(doc: YamlMap): Read<MutatingPolicySpec> {
  const errs = new FieldErrors();
  const name = readObjectName(doc, errs);
  const spec = checkEnvelope(doc, 'MutatingAdmissionPolicy', errs) ?? {};
  checkKnownFields(
    spec,
    ['failurePolicy', 'reinvocationPolicy', 'paramKind', 'matchConstraints', 'matchConditions', 'variables', 'mutations'],
    'spec',
    errs,
  );
  const out: MutatingPolicySpec = {
    name,
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    matchConstraints: {},
    matchConditions: [],
    variables: [],
    mutations: [],
  };

  const failurePolicy = readString(spec, 'failurePolicy', 'spec.failurePolicy', errs);
  if (failurePolicy !== undefined) {
    if ((FAILURE_POLICIES as readonly string[]).includes(failurePolicy)) out.failurePolicy = failurePolicy as FailurePolicy;
    else errs.notSupported('spec.failurePolicy', failurePolicy, FAILURE_POLICIES);
  }
  const reinvocation = readString(spec, 'reinvocationPolicy', 'spec.reinvocationPolicy', errs);
  if (reinvocation !== undefined) {
    if ((REINVOCATION_POLICIES as readonly string[]).includes(reinvocation)) out.reinvocationPolicy = reinvocation as ReinvocationPolicy;
    else errs.notSupported('spec.reinvocationPolicy', reinvocation, REINVOCATION_POLICIES);
  }

  const paramKind = readMap(spec, 'paramKind', 'spec.paramKind', errs);
  if (paramKind) out.paramKind = readParamKind(paramKind, 'spec.paramKind', errs);

  const constraints = readMap(spec, 'matchConstraints', 'spec.matchConstraints', errs);
  if (!constraints) errs.required('spec.matchConstraints');
  else {
    out.matchConstraints = readMatchResources(constraints, 'spec.matchConstraints', errs, { requireRules: true });
    checkOperations(out.matchConstraints, 'spec.matchConstraints', errs);
  }

  out.matchConditions = readNamedExpressions(spec, 'matchConditions', errs);
  out.variables = readNamedExpressions(spec, 'variables', errs);

  const mutations = readList(spec, 'mutations', 'spec.mutations', errs);
  if (!mutations || mutations.length === 0) errs.required('spec.mutations', 'mutations must contain at least one item');
  for (const { item, path } of eachMap(mutations, 'spec.mutations', errs)) {
    checkKnownFields(item, ['patchType', 'jsonPatch', 'applyConfiguration'], path, errs);
    const patchType = readString(item, 'patchType', `${path}.patchType`, errs);
    const jsonPatch = readMap(item, 'jsonPatch', `${path}.jsonPatch`, errs);
    const applyConfiguration = readMap(item, 'applyConfiguration', `${path}.applyConfiguration`, errs);
    if (patchType === undefined || patchType === '') {
      errs.required(`${path}.patchType`);
      continue;
    }
    if (!(PATCH_TYPES as readonly string[]).includes(patchType)) {
      errs.notSupported(`${path}.patchType`, patchType, PATCH_TYPES);
      continue;
    }
    const [own, other, otherKey] =
      patchType === 'JSONPatch'
        ? ([jsonPatch, applyConfiguration, 'applyConfiguration'] as const)
        : ([applyConfiguration, jsonPatch, 'jsonPatch'] as const);
    const ownKey = patchType === 'JSONPatch' ? 'jsonPatch' : 'applyConfiguration';
    if (other) errs.forbidden(`${path}.${otherKey}`, `must not be specified when patchType is ${patchType}`);
    if (!own) {
      errs.required(`${path}.${ownKey}`, `must be specified when patchType is ${patchType}`);
      continue;
    }
    checkKnownFields(own, ['expression'], `${path}.${ownKey}`, errs);
    const expression = readString(own, 'expression', `${path}.${ownKey}.expression`, errs) ?? '';
    if (isBlank(expression)) {
      errs.required(`${path}.${ownKey}.expression`, 'expression is not specified');
      continue;
    }
    out.mutations.push({ patchType: patchType as PatchType, expression, field: `${path}.${ownKey}.expression` });
  }
  return { spec: out, errors: errs.list };
}

export function readMutatingBinding(doc: YamlMap): Read<MutatingBindingSpec> {
  const errs = new FieldErrors();
  const name = readObjectName(doc, errs);
  const spec = checkEnvelope(doc, 'MutatingAdmissionPolicyBinding', errs) ?? {};
  checkKnownFields(spec, ['policyName', 'paramRef', 'matchResources'], 'spec', errs);
  const out: MutatingBindingSpec = { name, policyName: '' };
  const policyName = readString(spec, 'policyName', 'spec.policyName', errs) ?? '';
  if (policyName === '') errs.required('spec.policyName');
  else for (const problem of dnsSubdomainProblems(policyName)) errs.invalid('spec.policyName', policyName, problem);
  out.policyName = policyName;
  const paramRef = readMap(spec, 'paramRef', 'spec.paramRef', errs);
  if (paramRef) out.paramRef = readParamRef(paramRef, 'spec.paramRef', errs);
  const matchResources = readMap(spec, 'matchResources', 'spec.matchResources', errs);
  if (matchResources) {
    out.matchResources = readMatchResources(matchResources, 'spec.matchResources', errs, { requireRules: false });
    checkOperations(out.matchResources, 'spec.matchResources', errs);
  }
  return { spec: out, errors: errs.list };
}
