/**
 * portcullis's CEL helper: the Kubernetes CEL environment (what the kube-apiserver offers to
 * ValidatingAdmissionPolicy expressions) on @marcbachmann/cel-js.
 *
 *   const env = createCelEnvironment();
 *   const program = env.compile('object.spec.replicas <= 5', { field: 'spec.validations[0].expression' });
 *   program.evaluate(env.activation({ object, oldObject: null, request, params: null, namespaceObject: null }));
 */
export { createCelEnvironment, DEFAULT_COST_LIMIT, PARSE_LIMITS, MAX_EXPRESSION_LENGTH } from './environment.js';
export type { CelEnvironment, CelEnvironmentOptions, CelProgram, CelActivation, CelInput, CompileOptions } from './environment.js';
export { CelCompileError, CelEvaluationError, CelCostLimitError } from './errors.js';
export { celToJson, jsonToCel } from './values.js';
