/**
 * One engine Policy per (ValidatingAdmissionPolicy, binding) pair, evaluated as the kube-apiserver
 * evaluates it:
 *
 *   policy matchConstraints -> binding matchResources -> params (paramRef) -> per param:
 *   matchConditions (any false: skip; errors: failurePolicy) -> validations in order
 *   (variables evaluated lazily, once) -> auditAnnotations
 *
 * A failed validation becomes one finding per binding validationAction:
 *   Deny  `ValidatingAdmissionPolicy 'P' with binding 'B' denied request: M`, code from `reason`
 *         (unset/Invalid 422, Forbidden 403, Unauthorized 401, RequestEntityTooLarge 413);
 *   Warn  `Validation failed for ValidatingAdmissionPolicy 'P' with binding 'B': M`;
 *   Audit the `validation.policy.admission.k8s.io/validation_failure` audit annotation (a JSON
 *         array {message, policy, binding, expressionIndex, validationActions}, first failure
 *         only, as the apiserver records it) plus an Audit finding for reports.
 * An expression that errors (or failed to compile) yields the error text as M when failurePolicy
 * is Fail, through the same validationActions; with Ignore the request is not affected, and
 * portcullis adds a Warn finding saying what was ignored (the apiserver only logs it).
 * Binding configuration errors (params not found with Deny, ...) and auditAnnotation errors deny
 * directly under Fail, as in the apiserver.
 *
 * Finding `rule`: `validations[i]`, `matchConditions`, `auditAnnotations[i]` or `paramRef`, stable
 * across releases; `path`: the object field a validation reads, when it reads exactly one.
 */
import type { KubeObject } from '../admission/types.js';
import type { CelActivation, CelInput } from '../cel/index.js';
import { matchRequest, type CompiledMatchResources, type ResourceMatch } from '../engine/match.js';
import type { FailurePolicy, Finding, Policy, ResourceRule, ReviewContext, ValidationAction, ValidationResult } from '../engine/types.js';
import { collectParams } from './params.js';
import type { CompiledExpression, CompiledPolicy } from './vap-compile.js';
import { celNamespaceObject, celObject, celRequest, isExemptAdmissionConfiguration } from './vap-request.js';
import type { CelEnvironment } from '../cel/index.js';
import type { ValidatingBindingSpec } from './vap-spec.js';

export const VALIDATION_FAILURE_ANNOTATION = 'validation.policy.admission.k8s.io/validation_failure';
const MAX_MESSAGE_BYTES = 5 * 1024;
const MAX_ANNOTATION_VALUE = 10 * 1024;
const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';

const REASON_CODES: Record<string, number> = { Invalid: 422, Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413 };

export function reasonToCode(reason: string | undefined): number {
  return REASON_CODES[reason ?? 'Invalid'] ?? 422;
}

/** A validation outcome before validationActions are applied. */
interface Decision {
  message: string;
  rule: string;
  /** index reported in the audit annotation */
  expressionIndex: number;
  reason?: string;
  path?: string;
  error?: boolean;
}

interface Evaluation {
  decisions: Decision[];
  /** errors that failurePolicy Ignore swallowed */
  ignored: { rule: string; message: string }[];
  /** auditAnnotation errors under Fail: deny directly */
  configErrors: { rule: string; message: string }[];
  /** made on the first audit annotation value */
  annotations?: Map<string, string[]>;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class OutOfBudget extends Error {}

/** Evaluates one compiled expression; throws OutOfBudget when the cost limit is hit. */
function run(expression: CompiledExpression, activation: CelActivation): { value?: unknown; error?: string } {
  if (expression.compileError) return { error: expression.compileError };
  try {
    return { value: (expression.program as NonNullable<CompiledExpression['program']>).evaluate(activation) };
  } catch (error) {
    if (errorCode(error) === 'CEL_COST') throw new OutOfBudget();
    return { error: `expression '${expression.source}' resulted in error: ${evaluationReason(error)}` };
  }
}

/** The evaluator's own reason (`no such key: foo`), without the field prefix the CEL helper adds. */
function evaluationReason(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { reason?: unknown }).reason === 'string') {
    return (error as { reason: string }).reason;
  }
  return errorText(error);
}

function celTypeName(value: unknown): string {
  if (value === null) return 'null_type';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

export class ValidatingPolicyBinding implements Policy {
  readonly name: string;
  readonly source = 'ValidatingAdmissionPolicy';
  readonly rules: ResourceRule[];
  readonly failurePolicy: FailurePolicy;
  readonly bindingName: string;
  private readonly bindingMatch: CompiledMatchResources | undefined;

  constructor(
    private readonly compiled: CompiledPolicy,
    private readonly binding: ValidatingBindingSpec,
    bindingMatch: CompiledMatchResources | undefined,
    private readonly cel: CelEnvironment,
  ) {
    this.name = compiled.spec.name;
    this.bindingName = binding.name;
    this.rules = compiled.spec.matchConstraints.resourceRules ?? [];
    this.failurePolicy = compiled.spec.failurePolicy;
    this.bindingMatch = bindingMatch;
  }

  validate(ctx: ReviewContext): ValidationResult {
    try {
      return this.review(ctx);
    } catch (error) {
      // not a CEL error (those are handled per expression): still the policy's failurePolicy decides
      return { findings: this.failureFindings([{ rule: 'evaluation', message: `internal error: ${errorText(error)}` }]) };
    }
  }

  private review(ctx: ReviewContext): ValidationResult {
    const { request } = ctx;
    if (isExemptAdmissionConfiguration(request)) return { findings: [] };
    const source = { namespaceObject: ctx.namespaceObject, namespace: (name: string) => ctx.lookups.namespace(name) };
    const matched = matchRequest(this.compiled.match, request, source);
    if (!matched) return { findings: [] };
    if (this.bindingMatch && !matchRequest(this.bindingMatch, request, source)) return { findings: [] };

    const collected = collectParams(this.compiled.spec.paramKind, this.binding.paramRef, request.namespace ?? '', ctx.lookups);
    if (collected.error !== undefined) {
      return { findings: this.failureFindings([{ rule: 'paramRef', message: `failed to configure binding: ${collected.error}` }]) };
    }

    const findings: Finding[] = [];
    const annotations: Record<string, string> = {};
    const collectedAnnotations = new Map<string, string[]>();
    const requestValue = collected.params.length > 0 ? celRequest(request, matched) : undefined;
    for (const param of collected.params) {
      const evaluation = this.evaluate(ctx, matched, param, requestValue);
      // (the common case, nothing to report, allocates nothing more)
      for (const decision of evaluation.decisions) this.applyActions(decision, findings, annotations);
      if (evaluation.configErrors.length > 0) findings.push(...this.failureFindings(evaluation.configErrors));
      for (const ignored of evaluation.ignored) findings.push(this.ignoredFinding(ignored.rule, ignored.message));
      for (const [key, values] of evaluation.annotations ?? []) {
        const list = collectedAnnotations.get(key) ?? [];
        for (const value of values) if (!list.includes(value)) list.push(value);
        collectedAnnotations.set(key, list);
      }
    }
    for (const [key, values] of collectedAnnotations) annotations[`${this.name}/${key}`] = values.join(', ');
    const result: ValidationResult = { findings };
    if (Object.keys(annotations).length > 0) result.auditAnnotations = annotations;
    return result;
  }

  private evaluate(ctx: ReviewContext, matched: ResourceMatch, param: KubeObject | null, requestValue: unknown): Evaluation {
    const { request } = ctx;
    const evaluation: Evaluation = { decisions: [], ignored: [], configErrors: [] };
    const input: CelInput = {
      object: celObject(request.object, matched),
      oldObject: celObject(request.oldObject, matched),
      request: requestValue,
      params: param,
      namespaceObject: celNamespaceObject(request, ctx.namespaceObject),
    };
    const activation = this.cel.activation(input, this.compiled.variables, ctx.celValues);
    const fail = this.failurePolicy === 'Fail';
    const onError = (rule: string, message: string, expressionIndex: number): void => {
      if (fail) evaluation.decisions.push({ rule, message, expressionIndex, error: true });
      else evaluation.ignored.push({ rule, message });
    };

    try {
      // matchConditions: any false skips the policy, even when another one errored
      const errors: string[] = [];
      for (const condition of this.compiled.matchConditions) {
        const outcome = run(condition.expression, activation);
        if (outcome.error !== undefined) errors.push(outcome.error);
        else if (outcome.value === false) return evaluation;
      }
      if (errors.length > 0) {
        onError('matchConditions', errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`, 0);
        return evaluation;
      }

      for (const validation of this.compiled.validations) {
        const rule = `validations[${validation.index}]`;
        const outcome = run(validation.expression, activation);
        if (outcome.error !== undefined) {
          onError(rule, outcome.error, validation.index);
          continue;
        }
        if (outcome.value === true) continue;
        const decision: Decision = {
          rule,
          message: this.failureMessage(validation, activation),
          expressionIndex: validation.index,
          reason: validation.spec.reason ?? 'Invalid',
        };
        if (validation.path) decision.path = validation.path;
        evaluation.decisions.push(decision);
      }
    } catch (error) {
      if (!(error instanceof OutOfBudget)) throw error;
      // as the apiserver: the budget is spent, nothing further is evaluated, one error stands for all
      evaluation.decisions = [];
      onError('validations', OUT_OF_BUDGET, 0);
      return evaluation;
    }

    for (const annotation of this.compiled.auditAnnotations) {
      const rule = `auditAnnotations[${annotation.index}]`;
      let outcome: { value?: unknown; error?: string };
      try {
        outcome = run(annotation.value, activation);
      } catch {
        outcome = { error: OUT_OF_BUDGET };
      }
      if (outcome.error === undefined && typeof outcome.value !== 'string' && outcome.value !== null) {
        outcome = {
          error: `valueExpression '${annotation.spec.valueExpression}' resulted in unsupported return type: ${celTypeName(outcome.value)}. Return type must be either string or null.`,
        };
      }
      if (outcome.error !== undefined) {
        if (fail) evaluation.configErrors.push({ rule, message: outcome.error });
        else evaluation.ignored.push({ rule, message: outcome.error });
        continue;
      }
      const value = typeof outcome.value === 'string' ? outcome.value.trim() : '';
      if (value === '') continue;
      evaluation.annotations ??= new Map();
      const list = evaluation.annotations.get(annotation.spec.key) ?? [];
      const capped = value.length > MAX_ANNOTATION_VALUE ? value.slice(0, MAX_ANNOTATION_VALUE) : value;
      if (!list.includes(capped)) list.push(capped);
      evaluation.annotations.set(annotation.spec.key, list);
    }
    return evaluation;
  }

  /** messageExpression result, else message, else `failed expression: <expression>`. */
  private failureMessage(validation: CompiledPolicy['validations'][number], activation: CelActivation): string {
    if (validation.messageExpression) {
      let outcome: { value?: unknown; error?: string };
      try {
        outcome = run(validation.messageExpression, activation);
      } catch {
        outcome = { error: OUT_OF_BUDGET };
      }
      if (outcome.error === undefined && typeof outcome.value === 'string') {
        const message = outcome.value.trim();
        // over-long or multi-line results are not used, as in the apiserver
        if (message !== '' && Buffer.byteLength(message) <= MAX_MESSAGE_BYTES && !message.includes('\n')) return message;
      }
    }
    const message = validation.spec.message?.trim();
    if (message) return message;
    return `failed expression: ${validation.expression.source}`;
  }

  private applyActions(decision: Decision, findings: Finding[], annotations: Record<string, string>): void {
    for (const action of this.binding.validationActions) {
      if (action === 'Deny') {
        findings.push(this.denyFinding(decision.rule, decision.message, decision.reason, decision.path, decision.error));
      } else {
        const finding: Finding = {
          policy: this.name,
          rule: decision.rule,
          action: action as ValidationAction,
          message: `Validation failed for ValidatingAdmissionPolicy '${this.name}' with binding '${this.bindingName}': ${decision.message}`,
        };
        if (decision.path) finding.path = decision.path;
        if (decision.error) finding.error = true;
        findings.push(finding);
        // the apiserver keeps the first validation_failure annotation of a request
        if (action === 'Audit' && annotations[VALIDATION_FAILURE_ANNOTATION] === undefined) {
          annotations[VALIDATION_FAILURE_ANNOTATION] = JSON.stringify([
            {
              message: decision.message,
              policy: this.name,
              binding: this.bindingName,
              expressionIndex: decision.expressionIndex,
              validationActions: this.binding.validationActions,
            },
          ]);
        }
      }
    }
  }

  private denyFinding(rule: string, message: string, reason: string | undefined, path?: string, error?: boolean): Finding {
    const status = reason ?? 'Invalid';
    const finding: Finding = {
      policy: this.name,
      rule,
      action: 'Deny',
      message: `ValidatingAdmissionPolicy '${this.name}' with binding '${this.bindingName}' denied request: ${message}`,
      code: reasonToCode(status),
      reason: status,
    };
    if (path) finding.path = path;
    if (error) finding.error = true;
    return finding;
  }

  /** Errors that deny regardless of validationActions under Fail (binding configuration, audit annotations). */
  private failureFindings(errors: { rule: string; message: string }[]): Finding[] {
    if (this.failurePolicy === 'Ignore') return errors.map((e) => this.ignoredFinding(e.rule, e.message));
    return errors.map((e) => this.denyFinding(e.rule, e.message, undefined, undefined, true));
  }

  private ignoredFinding(rule: string, message: string): Finding {
    return {
      policy: this.name,
      rule,
      action: 'Warn',
      message: `ValidatingAdmissionPolicy '${this.name}' with binding '${this.bindingName}' could not be evaluated (failurePolicy Ignore, request allowed): ${message}`,
      error: true,
    };
  }
}
