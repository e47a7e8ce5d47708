/**
 * Loading policies for `audit` and `test`: the same loader the webhook uses. A policy file that
 * cannot be read or parsed is bad input (exit 2, every problem named); a policy that loads but fails
 * to compile is not: it stays in the set and its failurePolicy decides, as in the webhook.
 */
import type { KubeObject } from '../admission/types.js';
import type { Policy } from '../engine/types.js';
import { builtinPolicyDir, emptyConfig, loadPolicies, readConfigFile, type PortcullisConfig } from '../loaders/index.js';
import { AuditInputError } from './errors.js';

export interface LoadedPolicies {
  policies: Policy[];
  params: KubeObject[];
  namespaces: KubeObject[];
  config: PortcullisConfig;
}

export interface PolicySource {
  /** policy folders; empty -> the config file's `policies`, else the built-in library */
  dirs: string[];
  /** --config FILE, or an already parsed config */
  config?: string | PortcullisConfig;
  /** --policy NAME filter; every name must exist */
  only?: string[];
}

export async function loadPolicySource(source: PolicySource): Promise<LoadedPolicies> {
  const config = typeof source.config === 'string' ? readConfigFile(source.config) : (source.config ?? emptyConfig());
  const dirs = source.dirs.length > 0 ? source.dirs : (config.policies ?? [builtinPolicyDir()]);
  const loaded = await loadPolicies({ dirs, config });
  if (loaded.errors.length > 0) {
    const list = loaded.errors.map((e) => `  ${e.message}`).join('\n');
    throw new AuditInputError('POLICY_LOAD', `cannot load the policies (${loaded.errors.length} problem(s)):\n${list}`);
  }
  let policies = loaded.policies;
  if (source.only && source.only.length > 0) {
    const names = new Set(policies.map((p) => p.name));
    const missing = source.only.filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new AuditInputError(
        'UNKNOWN_POLICY',
        `--policy ${missing.map((m) => `'${m}'`).join(', ')}: no such policy loaded (loaded: ${[...names].join(', ') || 'none'})`,
      );
    }
    const wanted = new Set(source.only);
    policies = policies.filter((p) => wanted.has(p.name));
  }
  return { policies, params: loaded.params, namespaces: loaded.namespaces, config };
}
