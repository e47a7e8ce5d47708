/**
 * loadPolicies: policy folders -> engine Policies plus the objects policies may look up.
 *
 * Documents are dispatched by kind: ValidatingAdmissionPolicy(+Binding) -> vap.ts,
 * MutatingAdmissionPolicy(+Binding) -> map.ts, Namespace -> namespaces, anything else -> params
 * (paramKind objects such as ConfigMaps). Policy modules (.ts/.mts/.js/.mjs) -> typescript.ts.
 *
 * Names: a policy name is unique across all folders and all policy kinds (findings and reports
 * identify a policy by name alone); so is a binding name per binding kind, a Namespace name, and a
 * param object (apiVersion, kind, namespace, name). The first in load order wins; each later one is
 * a load error naming both files.
 */
import path from 'node:path';
import type { KubeObject } from '../admission/types.js';
import type { CelEnvironment } from '../cel/index.js';
import type { Policy } from '../engine/types.js';
import type { PortcullisConfig } from './config.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';
import { readPolicyFolders } from './folder.js';
import { packageRoot } from './package-root.js';
import { loadTypeScriptPolicy } from './typescript.js';
import { buildCelPolicies } from './kinds.js';

export type { PortcullisConfig } from './config.js';
export { ConfigError, emptyConfig, parseConfig, readConfigFile } from './config.js';
export { PolicyLoadError, type SourcedDocument } from './errors.js';
export { parseManifests, readPolicyFolders } from './folder.js';

export interface LoadOptions {
  dirs: string[];
  config: PortcullisConfig;
  /** the CEL environment for CEL policies (one is created when absent) */
  cel?: CelEnvironment;
}

export interface LoadResult {
  /** CEL policies in document order (folder, file, position), then TypeScript policies in file order */
  policies: Policy[];
  /** every object that is not a policy, binding or Namespace (for paramKind/paramRef) */
  params: KubeObject[];
  /** config.namespaces followed by the Namespace objects found in the folders */
  namespaces: KubeObject[];
  /** what makes the set unusable as a whole: unreadable path, invalid YAML or document, bad module, duplicate name */
  errors: PolicyLoadError[];
  /**
   * CEL that failed to compile (code CEL_COMPILE). Not a load error: those policies are in
   * `policies` and apply their failurePolicy at review time; print these at load.
   */
  compileErrors: PolicyLoadError[];
  /** inert configuration, usually a typo: a policy without a binding, a binding without a policy */
  warnings: PolicyLoadError[];
}

const POLICY_KINDS = new Set(['ValidatingAdmissionPolicy', 'MutatingAdmissionPolicy']);
const BINDING_KINDS = new Set(['ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicyBinding']);

export async function loadPolicies(options: LoadOptions): Promise<LoadResult> {
  const { config } = options;
  const folders = await readPolicyFolders(options.dirs);
  const errors: PolicyLoadError[] = [...folders.errors];
  const firstSeen = new Map<string, SourcedDocument | { file: string; line?: number }>();

  // true when the name is new; otherwise records the duplicate and the caller drops it
  const claim = (key: string, label: string, where: { file: string; line?: number }): boolean => {
    const earlier = firstSeen.get(key);
    if (!earlier) {
      firstSeen.set(key, where);
      return true;
    }
    errors.push(
      new PolicyLoadError(
        'POLICY_DUPLICATE',
        where.file,
        `${label} is already defined in ${earlier.file}${earlier.line === undefined ? '' : `:${earlier.line}`}; names must be unique across policy folders`,
        where.line,
      ),
    );
    return false;
  };

  const cel: SourcedDocument[] = [];
  const params: KubeObject[] = [];
  const namespaces: KubeObject[] = [];
  for (const namespace of config.namespaces) {
    claim(`Namespace/${namespace.metadata?.name}`, `Namespace '${namespace.metadata?.name}'`, { file: 'config file (namespaces)' });
    namespaces.push(namespace);
  }
  for (const sourced of folders.documents) {
    const { doc } = sourced;
    const kind = doc.kind as string;
    const name = doc.metadata?.name ?? '';
    if (POLICY_KINDS.has(kind) || BINDING_KINDS.has(kind)) {
      const key = POLICY_KINDS.has(kind) ? `policy/${name}` : `${kind}/${name}`;
      if (claim(key, `${kind} '${name}'`, sourced)) cel.push(sourced);
    } else if (kind === 'Namespace' && isCoreV1(doc)) {
      if (claim(`Namespace/${name}`, `Namespace '${name}'`, sourced)) namespaces.push(doc);
    } else {
      const namespace = doc.metadata?.namespace ?? '';
      if (claim(`param/${doc.apiVersion}/${kind}/${namespace}/${name}`, `${kind} '${namespace ? `${namespace}/` : ''}${name}'`, sourced)) {
        params.push(doc);
      }
    }
  }

  const built = buildCelPolicies(cel, options.cel);
  errors.push(...built.errors);
  const policies: { policy: Policy; order: number }[] = built.policies.map((policy) => ({ policy, order: orderOf(cel, policy.name) }));

  // the modules' positions come after every document of the same folder pass: order by file
  const modules = await Promise.all(
    folders.modules.map(async (file) => {
      try {
        return await loadTypeScriptPolicy(file, { policyConfig: config.policyConfig });
      } catch (error) {
        errors.push(error instanceof PolicyLoadError ? error : new PolicyLoadError('POLICY_MODULE_FAILED', file, String(error)));
        return undefined;
      }
    }),
  );
  modules.forEach((policy, i) => {
    const file = folders.modules[i] as string;
    if (policy && claim(`policy/${policy.name}`, `policy '${policy.name}'`, { file })) {
      policies.push({ policy, order: folders.documents.length + i });
    }
  });
  policies.sort((a, b) => a.order - b.order);
  return { policies: policies.map((p) => p.policy), params, namespaces, errors, compileErrors: built.compileErrors, warnings: built.warnings };
}

function orderOf(docs: SourcedDocument[], name: string): number {
  const index = docs.findIndex((d) => POLICY_KINDS.has(d.doc.kind as string) && d.doc.metadata?.name === name);
  return index < 0 ? docs.length : index;
}

function isCoreV1(doc: KubeObject): boolean {
  return doc.apiVersion === 'v1';
}

/**
 * The built-in policy library, `<package root>/policies`, found from this module's location so it
 * works from src/ (vitest) and from dist/src/ (the build). TypeScript policies there are bundled
 * from their .ts sources at load time either way.
 */
export function builtinPolicyDir(): string {
  return path.join(packageRoot(), 'policies');
}
