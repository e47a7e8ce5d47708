/**
 * Finds the cluster to talk to: an explicit kubeconfig file, else the in-cluster service account
 * (when running in a Pod), else - only when the caller asks, as `audit --cluster` does - the
 * kubectl default (KUBECONFIG or ~/.kube/config). `serve` without --kubeconfig outside a cluster
 * runs unconnected (namespaces from the config file and policy folders).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export class KubeConfigError extends Error {
  readonly code = 'KUBECONFIG_INVALID';
  readonly file?: string;

  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'KubeConfigError';
    if (file !== undefined) this.file = file;
  }
}

export interface LoadKubeConfigOptions {
  /** fall back to KUBECONFIG / ~/.kube/config when neither a file nor in-cluster config is there */
  useDefault?: boolean;
  /** for tests: the environment and token path that signal in-cluster */
  env?: NodeJS.ProcessEnv;
  tokenPath?: string;
}

/** True when this process runs in a Pod with a service account (what loadFromCluster needs). */
export function isInCluster(env: NodeJS.ProcessEnv = process.env, tokenPath = SERVICE_ACCOUNT_TOKEN): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(tokenPath);
}

/** The KubeConfig to use, or undefined when there is no cluster. Throws KubeConfigError for a bad file. */
export function loadKubeConfig(file?: string, options: LoadKubeConfigOptions = {}): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (file) {
    if (!existsSync(file)) throw new KubeConfigError('kubeconfig file not found', file);
    try {
      kc.loadFromFile(file);
    } catch (error) {
      throw new KubeConfigError(`cannot load kubeconfig: ${(error as Error).message}`, file);
    }
    if (!kc.getCurrentCluster()) throw new KubeConfigError('kubeconfig has no current context with a cluster', file);
    return kc;
  }
  if (isInCluster(options.env, options.tokenPath)) {
    kc.loadFromCluster();
    return kc;
  }
  const env = options.env ?? process.env;
  // loadFromDefault invents http://localhost:8080 when there is nothing: only call it when there is
  if (options.useDefault && (env.KUBECONFIG || existsSync(path.join(os.homedir(), '.kube', 'config')))) {
    try {
      kc.loadFromDefault();
    } catch (error) {
      throw new KubeConfigError(`cannot load the default kubeconfig: ${(error as Error).message}`, env.KUBECONFIG);
    }
    return kc.getCurrentCluster() ? kc : undefined;
  }
  return undefined;
}
