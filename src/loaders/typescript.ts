/**
 * TypeScript (and JavaScript) policy modules: `export default definePolicy({...})`.
 *
 * Loading: esbuild bundles the module with its relative imports at load time (so the shipped
 * package needs no TypeScript compiler and policy folders need no build step). `portcullis` resolves
 * to this package's own src/index.ts (types + the identity definePolicy); @kubernetes/client-node
 * stays external (policies normally use its types only, which esbuild drops). The bundle is CommonJS,
 * evaluated in this realm with a time bound, so top-level code that never ends is a load error too.
 * The bundle runs in strict mode, as the ES modules it came from would.
 *
 * Running: the bundle is instrumented with guard calls (guard.ts) and each validate/mutate call runs
 * under callWithDeadline (policy timeoutMs, default 100ms);
 * a throw, a timeout or a malformed result follows the policy's failurePolicy
 * (Fail: a Deny finding `policy 'NAME' failed: ...` marked error; Ignore: the same text as a Warn).
 */
import { createRequire, SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { build, type Message, type Plugin } from 'esbuild';
import { cloneJson } from '../admission/patch.js';
import type { AdmissionRequest, KubeObject } from '../admission/types.js';
import { compileMatchResources, matchRequest, type LabelSelector } from '../engine/match.js';
import type { Finding, MutationResult, Policy, ReviewContext, ValidationAction, ValidationResult } from '../engine/types.js';
import type { PolicyContext, PolicyDefinition, Violation } from '../index.js';
import { callWithTimeout } from './bounded-call.js';
import { callWithDeadline, guard, GUARD_NAME, instrumentGuards } from './guard.js';
import { checkPolicyDefinition } from './definition.js';
import { PolicyLoadError } from './errors.js';
import { packageRoot, portcullisEntry } from './package-root.js';

export const DEFAULT_TIMEOUT_MS = 100;
/** budget for a module's top-level code */
export const MODULE_LOAD_TIMEOUT_MS = 2000;

/** A loaded TypeScript policy: an engine Policy plus where it came from. */
export interface TypeScriptPolicy extends Policy {
  readonly source: 'TypeScript';
  readonly file: string;
  readonly description?: string;
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly timeoutMs: number;
}

export interface TypeScriptLoadOptions {
  /** `policyConfig` of the config file: `policyConfig[name]` wins over the policy's `defaults` */
  policyConfig?: Record<string, unknown>;
}

/** Bundles, evaluates, checks and adapts one policy module. Throws PolicyLoadError. */
export async function loadTypeScriptPolicy(file: string, options: TypeScriptLoadOptions = {}): Promise<TypeScriptPolicy> {
  const bundle = await bundlePolicyModule(file);
  const { exported, locate } = evaluateBundle(bundle, file);
  const definition = checkPolicyDefinition(exported, file);
  const configured = options.policyConfig?.[definition.name];
  return adaptDefinition(definition, file, configured !== undefined ? configured : definition.defaults, locate);
}

interface Bundle {
  code: string;
  sourceMap: SourceMap | undefined;
}

const PORTCULLIS_ENTRY = portcullisEntry();
const PACKAGE_ROOT = packageRoot();
const ownRequire = createRequire(import.meta.url);
const EXTERNAL_PACKAGES = ['@kubernetes/client-node'];

const portcullisPlugin: Plugin = {
  name: 'portcullis',
  setup(builder) {
    const entry = (): { path: string } | { errors: { text: string }[] } =>
      PORTCULLIS_ENTRY ? { path: PORTCULLIS_ENTRY } : { errors: [{ text: 'cannot find the portcullis package entry (src/index.ts)' }] };
    builder.onResolve({ filter: /^portcullis$/ }, entry);
    // Built-in policies import the package relatively (../../src/index.js): the published package
    // ships dist/src, not src, so such an import is sent to whichever entry this build has.
    builder.onResolve({ filter: /(^|\/)src\/index(\.js|\.ts)?$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path).replace(/\.(js|ts)$/, '');
      return PORTCULLIS_ENTRY && target === path.join(PACKAGE_ROOT, 'src', 'index') ? { path: PORTCULLIS_ENTRY } : undefined;
    });
  },
};

export async function bundlePolicyModule(file: string): Promise<Bundle> {
  const absolute = path.resolve(file);
  let result;
  try {
    result = await build({
      entryPoints: [absolute],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      outfile: `${absolute}.bundle.js`,
      sourcemap: 'external',
      sourcesContent: false,
      external: EXTERNAL_PACKAGES,
      // a CommonJS bundle has no import.meta: policies that locate data files beside themselves get
      // the entry module's location (helpers in other folders see the entry's too)
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(absolute).href),
        'import.meta.filename': JSON.stringify(absolute),
        'import.meta.dirname': JSON.stringify(path.dirname(absolute)),
      },
      plugins: [portcullisPlugin],
      logLevel: 'silent',
      absWorkingDir: path.dirname(absolute),
    });
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) throw new PolicyLoadError('POLICY_TRANSPILE', file, `cannot bundle policy module: ${String(error)}`);
    const location = first.location;
    const where = location ? path.resolve(path.dirname(absolute), location.file) : file;
    throw new PolicyLoadError(
      'POLICY_TRANSPILE',
      where,
      `${location ? `column ${location.column + 1}: ` : ''}${first.text}`,
      location?.line,
    );
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const mapText = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  let sourceMap: SourceMap | undefined;
  if (mapText) {
    const payload = JSON.parse(mapText) as SourceMapPayload;
    // sources are relative to the (unwritten) bundle file, which sits beside the entry
    payload.sources = payload.sources.map((source) => path.resolve(path.dirname(absolute), source));
    sourceMap = new SourceMap(payload);
  }
  return { code, sourceMap };
}

const bundleName = (file: string): string => `${path.resolve(file)}.bundle.js`;

/** Maps a bundle stack position (1-based line and column) to `file:line:column` of the source. */
export type Locate = (line: number, column: number) => string | undefined;

function evaluateBundle(bundle: Bundle, file: string): { exported: unknown; locate: Locate } {
  const fileRequire = createRequire(path.resolve(file));
  const requireForPolicy = (id: string): unknown =>
    EXTERNAL_PACKAGES.some((name) => id === name || id.startsWith(`${name}/`)) ? ownRequire(id) : fileRequire(id);
  const module = { exports: {} as Record<string, unknown> };
  let instrumented;
  let wrapper: (...args: unknown[]) => void;
  try {
    instrumented = instrumentGuards(bundle.code);
    const script = new vm.Script(
      `(function (exports, require, module, __filename, __dirname, ${GUARD_NAME}) {'use strict';\n${instrumented.code}\n})`,
      { filename: bundleName(file), lineOffset: -1 },
    );
    wrapper = script.runInThisContext() as typeof wrapper;
  } catch (error) {
    throw new PolicyLoadError('POLICY_TRANSPILE', file, `bundle does not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { sourceMap } = bundle;
  const mapper = instrumented;
  const locate: Locate = (line, column) => {
    if (!sourceMap) return undefined;
    const origin = sourceMap.findOrigin(line, mapper.originalColumn(line, column));
    if (!('fileName' in origin) || !origin.fileName) return undefined;
    const relative = path.relative(process.cwd(), origin.fileName);
    const shown = relative && !relative.startsWith('..') ? relative : origin.fileName;
    return `${shown}:${origin.lineNumber}:${origin.columnNumber}`;
  };
  try {
    const absolute = path.resolve(file);
    callWithTimeout(() => wrapper(module.exports, requireForPolicy, module, absolute, path.dirname(absolute), guard), MODULE_LOAD_TIMEOUT_MS);
  } catch (error) {
    throw new PolicyLoadError('POLICY_MODULE_FAILED', file, `module top-level code failed: ${errorText(error, file, locate)}`);
  }
  const exports = module.exports;
  if (!('default' in exports)) {
    throw new PolicyLoadError('POLICY_INVALID', file, 'no default export: a policy module must `export default definePolicy({...})`');
  }
  return { exported: exports.default, locate };
}

/** Turns a checked definition into an engine Policy. `config` is what ctx.config will be. */
export function adaptDefinition(
  definition: PolicyDefinition,
  file: string,
  config: unknown,
  locate?: Locate,
): TypeScriptPolicy {
  const name = definition.name;
  const failurePolicy = definition.failurePolicy ?? 'Fail';
  const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultAction: ValidationAction = definition.action ?? 'Deny';
  const verbatim = definition.messageFormat === 'verbatim';
  const match = definition.match;
  const excluded = new Set(match.excludeNamespaces ?? []);
  // frozen copy: policies share it across calls and must not be able to change it for the next one
  const frozenConfig = deepFreeze(config === undefined ? undefined : structuredClone(config));

  // the same matching semantics as the CEL policies (selectors compiled once, here)
  const compiledMatch = compileMatchResources({
    resourceRules: match.resources,
    namespaceSelector: match.namespaceSelector as LabelSelector | undefined,
    objectSelector: match.objectSelector as LabelSelector | undefined,
  });
  const applies = (ctx: ReviewContext): boolean => {
    const request = ctx.request;
    if (excluded.size > 0) {
      const isNamespace = request.resource.group === '' && request.resource.resource === 'namespaces';
      const namespaceName = request.namespace || (isNamespace ? request.name : undefined);
      if (namespaceName && excluded.has(namespaceName)) return false;
    }
    return matchRequest(compiledMatch, request, { namespaceObject: ctx.namespaceObject, namespace: (n) => ctx.lookups.namespace(n) }) !== undefined;
  };

  const policyContext = (ctx: ReviewContext, object: KubeObject): PolicyContext => ({
    request: ctx.request,
    operation: ctx.request.operation,
    object,
    oldObject: ctx.request.oldObject ?? null,
    namespaceObject: ctx.namespaceObject as PolicyContext['namespaceObject'],
    userInfo: ctx.request.userInfo,
    config: frozenConfig,
  });

  const failure = (error: unknown): Finding => {
    const message = `policy '${name}' failed: ${errorText(error, file, locate)}`;
    return failurePolicy === 'Fail'
      ? { policy: name, action: 'Deny', message, code: 403, reason: 'Forbidden', error: true }
      : { policy: name, action: 'Warn', message, error: true };
  };

  const finding = (violation: Violation): Finding => {
    const action = violation.action ?? defaultAction;
    const field = violation.path ? ` (field ${violation.path})` : '';
    const message = verbatim
      ? violation.message
      : action === 'Deny'
        ? `policy '${name}' denied request: ${violation.message}${field}`
        : `policy '${name}': ${violation.message}${field}`;
    const result: Finding = { policy: name, action, message };
    if (violation.rule !== undefined) result.rule = violation.rule;
    if (violation.path !== undefined) result.path = violation.path;
    if (action === 'Deny') {
      result.code = 403;
      result.reason = 'Forbidden';
    }
    return result;
  };

  const policy: TypeScriptPolicy = {
    name,
    source: 'TypeScript',
    file,
    failurePolicy,
    timeoutMs,
    rules: match.resources,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
  };

  const validate = definition.validate;
  if (validate) {
    (policy as { validate?: Policy['validate'] }).validate = (ctx: ReviewContext): ValidationResult => {
      if (!applies(ctx)) return { findings: [] };
      let output: unknown;
      try {
        const input = policyContext(ctx, reviewedObject(ctx.request));
        output = callWithDeadline(() => validate.call(definition, input), timeoutMs);
        return normaliseValidateOutput(output, name, finding);
      } catch (error) {
        return { findings: [failure(error)] };
      }
    };
  }

  const mutate = definition.mutate;
  if (mutate) {
    (policy as { mutate?: Policy['mutate'] }).mutate = (ctx: ReviewContext, object: KubeObject): MutationResult => {
      if (!ctx.request.object || !applies(ctx)) return {};
      try {
        // the policy gets its own copy: whatever it does to it cannot leak into the review
        const copy = cloneJson(object);
        const returned = callWithDeadline(() => mutate.call(definition, policyContext(ctx, copy)), timeoutMs);
        if (isThenable(returned)) throw new TypeError('mutate returned a Promise; policy functions must be synchronous');
        if (returned === undefined || returned === null) return {};
        if (typeof returned !== 'object' || Array.isArray(returned)) {
          throw new TypeError(`mutate must return the mutated object or nothing (got ${Array.isArray(returned) ? 'a list' : typeof returned})`);
        }
        return { object: returned };
      } catch (error) {
        return { findings: [failure(error)] };
      }
    };
  }
  return policy;
}

/** The object a policy judges: the incoming object, or the old one for DELETE. */
function reviewedObject(request: AdmissionRequest): KubeObject {
  if (request.operation === 'DELETE') return request.oldObject ?? request.object ?? {};
  return request.object ?? request.oldObject ?? {};
}

const ACTIONS = new Set(['Deny', 'Warn', 'Audit']);

function normaliseValidateOutput(output: unknown, name: string, finding: (v: Violation) => Finding): ValidationResult {
  if (output === undefined || output === null) return { findings: [] };
  if (isThenable(output)) throw new TypeError('validate returned a Promise; policy functions must be synchronous');
  let violations: unknown;
  let annotations: unknown;
  if (Array.isArray(output)) violations = output;
  else if (typeof output === 'object') {
    violations = (output as { violations?: unknown }).violations ?? [];
    annotations = (output as { auditAnnotations?: unknown }).auditAnnotations;
  } else {
    throw new TypeError(`validate must return a list of violations or { violations, auditAnnotations } (got ${typeof output})`);
  }
  if (!Array.isArray(violations)) throw new TypeError('validate result: violations must be a list');
  const findings = violations.map((violation: unknown, i) => {
    const v = violation as Partial<Violation> | null;
    if (typeof v !== 'object' || v === null || typeof v.message !== 'string') {
      throw new TypeError(`validate result: violations[${i}].message must be a string`);
    }
    if (v.path !== undefined && typeof v.path !== 'string') throw new TypeError(`validate result: violations[${i}].path must be a string`);
    if (v.rule !== undefined && typeof v.rule !== 'string') throw new TypeError(`validate result: violations[${i}].rule must be a string`);
    if (v.action !== undefined && !ACTIONS.has(v.action)) {
      throw new TypeError(`validate result: violations[${i}].action must be Deny, Warn or Audit (got ${JSON.stringify(v.action)})`);
    }
    return finding(v as Violation);
  });
  if (annotations === undefined || annotations === null) return { findings };
  if (typeof annotations !== 'object' || Array.isArray(annotations)) throw new TypeError('validate result: auditAnnotations must be a mapping');
  const auditAnnotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') throw new TypeError(`validate result: auditAnnotations.${key} must be a string`);
    auditAnnotations[`${name}/${key}`] = value;
  }
  return { findings, auditAnnotations };
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * `TypeError: boom (at policies/x.ts:12:5)`: the error and, when the stack passes through the
 * policy bundle, the original source position of the innermost frame.
 */
function errorText(error: unknown, file: string, locate: Locate | undefined): string {
  if (!(error instanceof Error)) return String(error);
  const text = error.name === 'PolicyTimeoutError' ? error.message : `${error.name}: ${error.message}`;
  const position = locate ? innermostPosition(error.stack ?? '', bundleName(file), locate) : undefined;
  return position ? `${text} (at ${position})` : text;
}

function innermostPosition(stack: string, bundle: string, locate: Locate): string | undefined {
  for (const line of stack.split('\n')) {
    const at = line.lastIndexOf(`${bundle}:`);
    if (at < 0) continue;
    const match = /^:(\d+):(\d+)/.exec(line.slice(at + bundle.length));
    if (!match) continue;
    const position = locate(Number(match[1]), Number(match[2]));
    if (position) return position;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
