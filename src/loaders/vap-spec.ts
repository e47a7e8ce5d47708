/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io
 * v1, also accepted as v1beta1) read from YAML into typed specs, with the API's defaults
 * (failurePolicy Fail, matchPolicy Equivalent, empty selectors) and the apiserver's structural
 * validation: what `kubectl apply` would reject is reported here, field by field.
 * CEL expressions are only checked for presence here; compiling them is vap.ts's job.
 */
import type { MatchResourcesSpec } from '../engine/match.js';
import type { FailurePolicy, ValidationAction } from '../engine/types.js';
import {
  checkKnownFields,
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
  readStringList,
  dnsSubdomainProblems,
  type FieldError,
  type ParamKind,
  type ParamRef,
  type YamlMap,
} from './vap-fields.js';

export const VAP_API_VERSIONS = ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'] as const;

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface ValidationSpec {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface AuditAnnotationSpec {
  key: string;
  valueExpression: string;
}

export interface ValidatingPolicySpec {
  name: string;
  failurePolicy: FailurePolicy;
  paramKind?: ParamKind;
  matchConstraints: MatchResourcesSpec;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  validations: ValidationSpec[];
  auditAnnotations: AuditAnnotationSpec[];
}

export interface ValidatingBindingSpec {
  name: string;
  policyName: string;
  paramRef?: ParamRef;
  matchResources?: MatchResourcesSpec;
  validationActions: ValidationAction[];
}

export interface Read<T> {
  spec: T;
  errors: FieldError[];
}

const FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
/** The reasons a validation may give. The v1 API documents Unauthorized too; the apiserver's own
 * validation omits it, portcullis accepts it (401). */
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'] as const;
const ACTIONS = ['Audit', 'Deny', 'Warn'] as const;
const MAX_MATCH_CONDITIONS = 64;
const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_VALUE_EXPRESSION_BYTES = 5 * 1024;
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

function checkEnvelope(doc: YamlMap, kind: string, errs: FieldErrors): YamlMap | undefined {
  checkKnownFields(doc, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], '', errs);
  const apiVersion = doc.apiVersion;
  if (typeof apiVersion !== 'string' || !(VAP_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    errs.notSupported('apiVersion', apiVersion, VAP_API_VERSIONS);
  }
  if (doc.kind !== kind) errs.notSupported('kind', doc.kind, [kind]);
  const spec = readMap(doc, 'spec', 'spec', errs);
  if (!spec) errs.required('spec');
  return spec;
}

const isBlank = (s: string | undefined): boolean => s === undefined || s.trim() === '';

export function readValidatingPolicy(doc: YamlMap): Read<ValidatingPolicySpec> {
  const errs = new FieldErrors();
  const name = readObjectName(doc, errs);
  const spec = checkEnvelope(doc, 'ValidatingAdmissionPolicy', errs) ?? {};
  checkKnownFields(spec, ['failurePolicy', 'paramKind', 'matchConstraints', 'matchConditions', 'variables', 'validations', 'auditAnnotations'], 'spec', errs);

  const out: ValidatingPolicySpec = {
    name,
    failurePolicy: 'Fail',
    matchConstraints: {},
    matchConditions: [],
    variables: [],
    validations: [],
    auditAnnotations: [],
  };

  const failurePolicy = readString(spec, 'failurePolicy', 'spec.failurePolicy', errs);
  if (failurePolicy !== undefined) {
    if ((FAILURE_POLICIES as readonly string[]).includes(failurePolicy)) out.failurePolicy = failurePolicy as FailurePolicy;
    else errs.notSupported('spec.failurePolicy', failurePolicy, FAILURE_POLICIES);
  }

  const paramKind = readMap(spec, 'paramKind', 'spec.paramKind', errs);
  if (paramKind) out.paramKind = readParamKind(paramKind, 'spec.paramKind', errs);

  const constraints = readMap(spec, 'matchConstraints', 'spec.matchConstraints', errs);
  if (!constraints) errs.required('spec.matchConstraints');
  else out.matchConstraints = readMatchResources(constraints, 'spec.matchConstraints', errs, { requireRules: true });

  const conditions = readList(spec, 'matchConditions', 'spec.matchConditions', errs);
  if (conditions && conditions.length > MAX_MATCH_CONDITIONS) errs.tooMany('spec.matchConditions', conditions.length, MAX_MATCH_CONDITIONS);
  const conditionNames = new Set<string>();
  for (const { item, path } of eachMap(conditions, 'spec.matchConditions', errs)) {
    checkKnownFields(item, ['name', 'expression'], path, errs);
    const conditionName = readString(item, 'name', `${path}.name`, errs) ?? '';
    const expression = readString(item, 'expression', `${path}.expression`, errs) ?? '';
    if (isBlank(expression)) errs.required(`${path}.expression`);
    if (conditionName === '') errs.required(`${path}.name`);
    else {
      for (const problem of qualifiedNameProblems(conditionName)) errs.invalid(`${path}.name`, conditionName, problem);
      if (conditionNames.has(conditionName)) errs.duplicate(`${path}.name`, conditionName);
      conditionNames.add(conditionName);
    }
    out.matchConditions.push({ name: conditionName, expression: expression.trim() });
  }

  const variableNames = new Set<string>();
  for (const { item, path } of eachMap(readList(spec, 'variables', 'spec.variables', errs), 'spec.variables', errs)) {
    checkKnownFields(item, ['name', 'expression'], path, errs);
    const variableName = readString(item, 'name', `${path}.name`, errs) ?? '';
    const expression = readString(item, 'expression', `${path}.expression`, errs) ?? '';
    if (isBlank(variableName)) errs.required(`${path}.name`, 'name is not specified');
    else {
      if (!CEL_IDENTIFIER.test(variableName) || CEL_RESERVED.has(variableName)) errs.invalid(`${path}.name`, variableName, 'name is not a valid CEL identifier');
      if (variableNames.has(variableName)) errs.duplicate(`${path}.name`, variableName);
      variableNames.add(variableName);
    }
    if (isBlank(expression)) errs.required(`${path}.expression`, 'expression is not specified');
    out.variables.push({ name: variableName, expression });
  }

  const validations = readList(spec, 'validations', 'spec.validations', errs);
  const annotations = readList(spec, 'auditAnnotations', 'spec.auditAnnotations', errs);
  if ((validations?.length ?? 0) === 0 && (annotations?.length ?? 0) === 0) {
    errs.required('spec.validations', 'validations or auditAnnotations must contain at least one item');
    errs.required('spec.auditAnnotations', 'validations or auditAnnotations must contain at least one item');
  }
  for (const { item, path } of eachMap(validations, 'spec.validations', errs)) {
    checkKnownFields(item, ['expression', 'message', 'messageExpression', 'reason'], path, errs);
    const expression = readString(item, 'expression', `${path}.expression`, errs) ?? '';
    const message = readString(item, 'message', `${path}.message`, errs);
    const messageExpression = readString(item, 'messageExpression', `${path}.messageExpression`, errs);
    const reason = readString(item, 'reason', `${path}.reason`, errs);
    if (isBlank(expression)) errs.required(`${path}.expression`, 'expression is not specified');
    if (messageExpression !== undefined && messageExpression !== '' && isBlank(messageExpression)) {
      errs.invalid(`${path}.messageExpression`, messageExpression, 'must be non-empty if specified');
    }
    if (message !== undefined && message !== '' && isBlank(message)) errs.invalid(`${path}.message`, message, 'message must be non-empty if specified');
    else if (message !== undefined && /[\n\r]/.test(message.trim())) errs.invalid(`${path}.message`, message, 'message must not contain line breaks');
    if (reason !== undefined && !(REASONS as readonly string[]).includes(reason)) errs.notSupported(`${path}.reason`, reason, REASONS);
    const validation: ValidationSpec = { expression };
    if (message) validation.message = message;
    if (messageExpression) validation.messageExpression = messageExpression;
    if (reason) validation.reason = reason;
    out.validations.push(validation);
  }

  if (annotations && annotations.length > MAX_AUDIT_ANNOTATIONS) {
    errs.invalid('spec.auditAnnotations', `${annotations.length} items`, `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`);
  }
  const keys = new Set<string>();
  for (const { item, path } of eachMap(annotations, 'spec.auditAnnotations', errs)) {
    checkKnownFields(item, ['key', 'valueExpression'], path, errs);
    const key = readString(item, 'key', `${path}.key`, errs) ?? '';
    const valueExpression = readString(item, 'valueExpression', `${path}.valueExpression`, errs) ?? '';
    // The published annotation is `<policy name>/<key>`, which must be a qualified name.
    if (key === '') errs.required(`${path}.key`);
    else if (name !== '') for (const problem of qualifiedNameProblems(`${name}/${key}`)) errs.invalid(`${path}.key`, key, problem);
    if (keys.has(key)) errs.duplicate(`${path}.key`, key);
    keys.add(key);
    if (isBlank(valueExpression)) errs.required(`${path}.valueExpression`, 'valueExpression is not specified');
    else if (Buffer.byteLength(valueExpression.trim()) > MAX_VALUE_EXPRESSION_BYTES) {
      errs.required(`${path}.valueExpression`, `must not exceed ${MAX_VALUE_EXPRESSION_BYTES} bytes in length`);
    }
    out.auditAnnotations.push({ key, valueExpression: valueExpression.trim() });
  }
  return { spec: out, errors: errs.list };
}

export function readValidatingBinding(doc: YamlMap): Read<ValidatingBindingSpec> {
  const errs = new FieldErrors();
  const name = readObjectName(doc, errs);
  const spec = checkEnvelope(doc, 'ValidatingAdmissionPolicyBinding', errs) ?? {};
  checkKnownFields(spec, ['policyName', 'paramRef', 'matchResources', 'validationActions'], 'spec', errs);
  const out: ValidatingBindingSpec = { name, policyName: '', validationActions: [] };

  const policyName = readString(spec, 'policyName', 'spec.policyName', errs) ?? '';
  if (policyName === '') errs.required('spec.policyName');
  else for (const problem of dnsSubdomainProblems(policyName)) errs.invalid('spec.policyName', policyName, problem);
  out.policyName = policyName;

  const paramRef = readMap(spec, 'paramRef', 'spec.paramRef', errs);
  if (paramRef) out.paramRef = readParamRef(paramRef, 'spec.paramRef', errs);

  const matchResources = readMap(spec, 'matchResources', 'spec.matchResources', errs);
  if (matchResources) out.matchResources = readMatchResources(matchResources, 'spec.matchResources', errs, { requireRules: false });

  const actions = readStringList(spec, 'validationActions', 'spec.validationActions', errs) ?? [];
  const seen = new Set<string>();
  actions.forEach((action, i) => {
    if (!(ACTIONS as readonly string[]).includes(action)) errs.notSupported(`spec.validationActions[${i}]`, action, ACTIONS);
    else if (seen.has(action)) errs.duplicate(`spec.validationActions[${i}]`, action);
    else out.validationActions.push(action as ValidationAction);
    seen.add(action);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.invalid(
      'spec.validationActions',
      actions,
      'must not contain both Deny and Warn (a denial already carries the message; warning it too repeats it)',
    );
  }
  if (seen.size === 0) errs.required('spec.validationActions', 'at least one validation action is required');
  return { spec: out, errors: errs.list };
}
