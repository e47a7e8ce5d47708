/**
 * One engine Policy per (MutatingAdmissionPolicy, binding) pair, run as the kube-apiserver runs it:
 *
 *   policy matchConstraints -> binding matchResources -> params (paramRef) -> per param:
 *   matchConditions (any false: skip; errors: failurePolicy) -> mutations in order, each on the
 *   object the previous one produced (and the variables it uses evaluated on that object)
 *
 * A mutation that fails (CEL error or cost limit, compile error, a JSON patch that does not apply,
 * an apply configuration that is not an object, a result that changes the object's identity or
 * type structure) is skipped and reported: with failurePolicy Fail as a Deny finding
 * `policy 'P' with binding 'B' denied request: M` (403, reason Invalid, as the apiserver answers),
 * with Ignore as a Warn finding (the apiserver only logs it); the next mutations still run.
 * DELETE requests have no object to mutate and are never matched.
 */
import type { KubeObject } from '../admission/types.js';
import { checkMutatedObject } from '../admission/patch.js';
import type { CelEnvironment, CelInput } from '../cel/index.js';
import { matchRequest, type CompiledMatchResources, type ResourceMatch } from '../engine/match.js';
import type { FailurePolicy, Finding, MutationResult, Policy, ResourceRule, ReviewContext } from '../engine/types.js';
import { resolveRewriteMarkers } from './map-expression.js';
import type { CompiledMutatingPolicy, CompiledMutation } from './map-compile.js';
import { applyJsonPatch, readJsonPatch } from './map-jsonpatch.js';
import { mergeApplyConfiguration } from './map-merge.js';
import type { MutatingBindingSpec, ReinvocationPolicy } from './map-spec.js';
import { collectParams } from './params.js';
import { celNamespaceObject, celObject, celRequest, isExemptAdmissionConfiguration } from './vap-request.js';

const OUT_OF_BUDGET = 'mutation failed due to running out of cost budget';

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function evaluationReason(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { reason?: unknown }).reason === 'string') {
    return (error as { reason: string }).reason;
  }
  return error instanceof Error ? error.message : String(error);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class MutatingPolicyBinding implements Policy {
  readonly name: string;
  readonly source = 'MutatingAdmissionPolicy';
  readonly rules: ResourceRule[];
  readonly failurePolicy: FailurePolicy;
  readonly reinvocationPolicy: ReinvocationPolicy;
  readonly bindingName: string;

  constructor(
    private readonly compiled: CompiledMutatingPolicy,
    private readonly binding: MutatingBindingSpec,
    private readonly bindingMatch: CompiledMatchResources | undefined,
    private readonly cel: CelEnvironment,
  ) {
    this.name = compiled.spec.name;
    this.bindingName = binding.name;
    this.rules = compiled.spec.matchConstraints.resourceRules ?? [];
    this.failurePolicy = compiled.spec.failurePolicy;
    this.reinvocationPolicy = compiled.spec.reinvocationPolicy;
  }

  mutate(ctx: ReviewContext, object: KubeObject): MutationResult {
    const request = { ...ctx.request, object };
    if (request.operation === 'DELETE' || isExemptAdmissionConfiguration(request)) return {};
    const source = { namespaceObject: ctx.namespaceObject, namespace: (name: string) => ctx.lookups.namespace(name) };
    const matched = matchRequest(this.compiled.match, request, source);
    if (!matched) return {};
    if (this.bindingMatch && !matchRequest(this.bindingMatch, request, source)) return {};

    const collected = collectParams(this.compiled.spec.paramKind, this.binding.paramRef, request.namespace ?? '', ctx.lookups);
    if (collected.error !== undefined) {
      return { findings: [this.failure('paramRef', `failed to configure binding: ${collected.error}`)] };
    }

    const findings: Finding[] = [];
    let current = object;
    for (const param of collected.params) {
      current = this.invoke(ctx, matched, param, current, findings);
    }
    return current === object ? { findings } : { object: current, findings };
  }

  /** One evaluation for one param: matchConditions, then each mutation in order. */
  private invoke(ctx: ReviewContext, matched: ResourceMatch, param: KubeObject | null, object: KubeObject, findings: Finding[]): KubeObject {
    const input = (current: KubeObject): CelInput => ({
      object: celObject(current, matched),
      oldObject: celObject(ctx.request.oldObject, matched),
      request: celRequest(ctx.request, matched),
      params: param,
      namespaceObject: celNamespaceObject(ctx.request, ctx.namespaceObject),
    });

    const conditions = this.cel.activation(input(object), [], ctx.celValues);
    const errors: string[] = [];
    for (const condition of this.compiled.matchConditions) {
      const outcome = this.run(condition.expression, conditions);
      if (outcome.error !== undefined) errors.push(outcome.error);
      else if (outcome.value === false) return object;
      else if (outcome.value !== true) errors.push(`matchCondition '${condition.name}' must evaluate to bool, got ${JSON.stringify(outcome.value)}`);
    }
    if (errors.length > 0) {
      findings.push(this.failure('matchConditions', errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`));
      return object;
    }

    let current = object;
    for (const mutation of this.compiled.mutations) {
      const rule = `mutations[${mutation.index}]`;
      const activation = this.cel.activation(input(current), this.compiled.variables, ctx.celValues);
      const outcome = this.run(mutation.expression, activation);
      if (outcome.error !== undefined) {
        findings.push(this.failure(rule, outcome.error));
        continue;
      }
      let next: KubeObject;
      try {
        next = this.apply(mutation, current, resolveRewriteMarkers(outcome.value), matched);
      } catch (error) {
        findings.push(this.failure(rule, error instanceof Error ? error.message : String(error)));
        continue;
      }
      const problem = next === current ? undefined : checkMutatedObject(current, next);
      if (problem !== undefined) {
        findings.push(this.failure(rule, problem));
        continue;
      }
      current = next;
    }
    return current;
  }

  private apply(mutation: CompiledMutation, current: KubeObject, value: unknown, matched: ResourceMatch): KubeObject {
    let next: KubeObject;
    if (mutation.patchType === 'JSONPatch') {
      next = applyJsonPatch(current, readJsonPatch(value));
    } else {
      if (!isMap(value)) throw new Error(`error applying patch: the applyConfiguration expression must return an Object, got ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value}`);
      next = mergeApplyConfiguration(current, value) as KubeObject;
    }
    // under an equivalent match CEL saw the matched version: keep the version the request was sent in
    if (matched.equivalent && next !== current && next.apiVersion !== current.apiVersion) {
      const { group, version } = matched.kind;
      if (next.apiVersion === (group === '' ? version : `${group}/${version}`)) next = { ...next, apiVersion: current.apiVersion };
    }
    return next;
  }

  private run(expression: CompiledExpression, activation: ReturnType<CelEnvironment['activation']>): { value?: unknown; error?: string } {
    if (expression.compileError) return { error: expression.compileError };
    try {
      return { value: expression.program!.evaluate(activation) };
    } catch (error) {
      if (errorCode(error) === 'CEL_COST') return { error: OUT_OF_BUDGET };
      return { error: `expression '${expression.source}' resulted in error: ${evaluationReason(error)}` };
    }
  }

  private failure(rule: string, message: string): Finding {
    if (this.failurePolicy === 'Ignore') {
      return {
        policy: this.name,
        rule,
        action: 'Warn',
        message: `MutatingAdmissionPolicy '${this.name}' with binding '${this.bindingName}' could not be applied (failurePolicy Ignore, request allowed): ${message}`,
        error: true,
      };
    }
    return {
      policy: this.name,
      rule,
      action: 'Deny',
      message: `policy '${this.name}' with binding '${this.bindingName}' denied request: ${message}`,
      code: 403,
      reason: 'Invalid',
      error: true,
    };
  }
}

type CompiledExpression = CompiledMutatingPolicy['mutations'][number]['expression'];
