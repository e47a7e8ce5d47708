/**
 * Settings of the `defaults` policy (`policyConfig.defaults` in the portcullis config file).
 * What the operator writes is merged over DEFAULT_CONFIG key by key, so a file that only says
 * `imagePullPolicy: {enabled: true}` keeps every other default; `null` for a resource amount
 * removes that default (e.g. `requests: {cpu: null}`: no default cpu request).
 */
import { compareQuantities, parseQuantity } from './quantity.js';

export interface DefaultsConfig {
  /** also mutate the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets,
   * ReplicationControllers, Jobs and CronJobs (default true); false: Pods only */
  workloads?: boolean;
  resources?: {
    enabled?: boolean;
    /** resource name -> quantity set as the request of a container that has none (null: none) */
    requests?: Record<string, string | null> | null;
    /** resource name -> quantity set as the limit of a container that has none (null: none) */
    limits?: Record<string, string | null> | null;
  };
  seccompProfile?: { enabled?: boolean };
  allowPrivilegeEscalation?: { enabled?: boolean };
  imagePullPolicy?: {
    enabled?: boolean;
    /** also turn IfNotPresent into Always (the apiserver fills IfNotPresent in before webhooks run) */
    overrideIfNotPresent?: boolean;
  };
}

export interface ResolvedDefaultsConfig {
  workloads: boolean;
  resources: { enabled: boolean; requests: Record<string, string>; limits: Record<string, string> };
  seccompProfile: { enabled: boolean };
  allowPrivilegeEscalation: { enabled: boolean };
  imagePullPolicy: { enabled: boolean; overrideIfNotPresent: boolean };
}

export const DEFAULT_CONFIG: ResolvedDefaultsConfig = {
  workloads: true,
  resources: { enabled: true, requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  seccompProfile: { enabled: true },
  allowPrivilegeEscalation: { enabled: true },
  imagePullPolicy: { enabled: false, overrideIfNotPresent: false },
};

export class DefaultsConfigError extends Error {
  readonly code = 'DEFAULTS_CONFIG';
  constructor(
    /** the offending key under policyConfig.defaults, e.g. resources.requests.memory */
    readonly field: string,
    problem: string,
  ) {
    super(`policyConfig.defaults.${field}: ${problem}`);
    this.name = 'DefaultsConfigError';
  }
}

// ctx.config is the same object for every review: resolve and validate it once
const resolved = new WeakMap<object, ResolvedDefaultsConfig>();

export function resolveConfig(config: unknown): ResolvedDefaultsConfig {
  if (config === undefined || config === null) return DEFAULT_CONFIG;
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new DefaultsConfigError('', `must be an object, got ${Array.isArray(config) ? 'array' : typeof config}`);
  }
  const cached = resolved.get(config);
  if (cached) return cached;
  const result = merge(config as DefaultsConfig);
  resolved.set(config, result);
  return result;
}

function merge(config: DefaultsConfig): ResolvedDefaultsConfig {
  const resources = section(config, 'resources');
  const result: ResolvedDefaultsConfig = {
    workloads: flag(config.workloads, 'workloads', DEFAULT_CONFIG.workloads),
    resources: {
      enabled: flag(resources.enabled, 'resources.enabled', DEFAULT_CONFIG.resources.enabled),
      requests: amounts(resources.requests, 'resources.requests', DEFAULT_CONFIG.resources.requests),
      limits: amounts(resources.limits, 'resources.limits', DEFAULT_CONFIG.resources.limits),
    },
    seccompProfile: {
      enabled: flag(section(config, 'seccompProfile').enabled, 'seccompProfile.enabled', true),
    },
    allowPrivilegeEscalation: {
      enabled: flag(section(config, 'allowPrivilegeEscalation').enabled, 'allowPrivilegeEscalation.enabled', true),
    },
    imagePullPolicy: {
      enabled: flag(section(config, 'imagePullPolicy').enabled, 'imagePullPolicy.enabled', false),
      overrideIfNotPresent: flag(
        section(config, 'imagePullPolicy').overrideIfNotPresent,
        'imagePullPolicy.overrideIfNotPresent',
        false,
      ),
    },
  };
  // a default request above the default limit would make every defaulted container invalid
  for (const [name, request] of Object.entries(result.resources.requests)) {
    const limit = result.resources.limits[name];
    if (limit !== undefined && compareQuantities(request, limit) > 0) {
      throw new DefaultsConfigError(`resources.requests.${name}`, `default request ${request} exceeds the default limit ${limit}`);
    }
  }
  return result;
}

function section<K extends keyof DefaultsConfig>(config: DefaultsConfig, key: K): NonNullable<DefaultsConfig[K]> & object {
  const value = config[key];
  if (value === undefined || value === null) return {} as NonNullable<DefaultsConfig[K]> & object;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DefaultsConfigError(key, `must be an object, got ${Array.isArray(value) ? 'array' : typeof value}`);
  }
  return value as NonNullable<DefaultsConfig[K]> & object;
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new DefaultsConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function amounts(value: unknown, field: string, fallback: Record<string, string>): Record<string, string> {
  if (value === undefined) return fallback;
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DefaultsConfigError(field, `must be a map of resource name to quantity, got ${Array.isArray(value) ? 'array' : typeof value}`);
  }
  const result: Record<string, string> = { ...fallback };
  for (const [name, amount] of Object.entries(value as Record<string, unknown>)) {
    if (amount === null) {
      delete result[name];
      continue;
    }
    if (typeof amount !== 'string') {
      throw new DefaultsConfigError(`${field}.${name}`, `must be a quantity string such as "100m" or "128Mi", got ${JSON.stringify(amount)}`);
    }
    let negative: boolean;
    try {
      negative = parseQuantity(amount).coefficient < 0n;
    } catch {
      throw new DefaultsConfigError(`${field}.${name}`, `${JSON.stringify(amount)} is not a valid quantity`);
    }
    if (negative) throw new DefaultsConfigError(`${field}.${name}`, `must not be negative, got ${amount}`);
    result[name] = amount;
  }
  return result;
}
