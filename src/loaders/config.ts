/**
 * The portcullis config file (`--config FILE`): the serve flags, per-policy configuration and static
 * Namespace objects, in one YAML (or JSON) document. Every flag is optional here; the CLI applies
 * its defaults and lets a command-line flag win over the file.
 *
 * Relative paths (`certs`, `policies`, `kubeconfig`) are resolved against the config file's folder,
 * so a config file means the same thing whatever the working directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { KubeObject } from '../admission/types.js';
import type { ServerMode } from '../engine/types.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface PortcullisConfig {
  port?: number;
  host?: string;
  metricsPort?: number;
  /** folder with tls.crt, tls.key, ca.crt */
  certs?: string;
  /** policy folders (replace the built-in folder, as repeated --policies flags do) */
  policies?: string[];
  mode?: ServerMode;
  kubeconfig?: string;
  logLevel?: LogLevel;
  maxBodyBytes?: number;
  /** `<policy name>` -> that policy's configuration (e.g. `pod-security`: a PodSecurityConfiguration) */
  policyConfig: Record<string, unknown>;
  /** Namespace objects used for namespace lookups when no cluster is connected */
  namespaces: KubeObject[];
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly file: string;
  /** the offending key, e.g. `port` or `namespaces[1].metadata.name` */
  readonly key?: string;
  readonly line?: number;

  constructor(file: string, message: string, key?: string, line?: number) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`);
    this.name = 'ConfigError';
    this.file = file;
    if (key !== undefined) this.key = key;
    if (line !== undefined) this.line = line;
  }
}

/** A config with nothing set: what the CLI uses when there is no --config. */
export function emptyConfig(): PortcullisConfig {
  return { policyConfig: {}, namespaces: [] };
}

/** Reads and checks a config file; throws ConfigError naming the file and key on any problem. */
export function readConfigFile(file: string): PortcullisConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, `cannot read config file: ${(error as Error).message}`);
  }
  return parseConfig(text, file);
}

type Check = (value: unknown, key: string, file: string) => unknown;

const integerIn = (min: number, max: number): Check => (value, key, file) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(file, `${key} must be an integer from ${min} to ${max} (got ${describe(value)})`, key);
  }
  return value;
};

const nonEmptyString: Check = (value, key, file) => {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(file, `${key} must be a non-empty string (got ${describe(value)})`, key);
  }
  return value;
};

const pathString: Check = (value, key, file) => path.resolve(path.dirname(file), nonEmptyString(value, key, file) as string);

const oneOf = (allowed: readonly string[]): Check => (value, key, file) => {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ConfigError(file, `${key} must be one of ${allowed.join(', ')} (got ${describe(value)})`, key);
  }
  return value;
};

const pathList: Check = (value, key, file) => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(file, `${key} must be a list of folder paths (got ${describe(value)})`, key);
  }
  return list.map((item, i) => pathString(item, `${key}[${i}]`, file));
};

const mapping: Check = (value, key, file) => {
  if (!isPlainObject(value)) throw new ConfigError(file, `${key} must be a mapping (got ${describe(value)})`, key);
  return value;
};

const namespaceList: Check = (value, key, file) => {
  if (!Array.isArray(value)) throw new ConfigError(file, `${key} must be a list of Namespace objects (got ${describe(value)})`, key);
  return value.map((item: unknown, i) => {
    const at = `${key}[${i}]`;
    if (!isPlainObject(item)) throw new ConfigError(file, `${at} must be a Namespace object (got ${describe(item)})`, at);
    if (item.kind !== undefined && item.kind !== 'Namespace') {
      throw new ConfigError(file, `${at}.kind must be Namespace (got ${describe(item.kind)})`, `${at}.kind`);
    }
    const metadata = item.metadata;
    if (!isPlainObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
      throw new ConfigError(file, `${at}.metadata.name must be a non-empty string`, `${at}.metadata.name`);
    }
    const labels = metadata.labels;
    if (labels !== undefined && (!isPlainObject(labels) || Object.values(labels).some((v) => typeof v !== 'string'))) {
      throw new ConfigError(file, `${at}.metadata.labels must map names to strings`, `${at}.metadata.labels`);
    }
    return { apiVersion: 'v1', kind: 'Namespace', ...item } as KubeObject;
  });
};

const FIELDS: Record<string, Check> = {
  port: integerIn(1, 65535),
  host: nonEmptyString,
  metricsPort: integerIn(0, 65535),
  certs: pathString,
  policies: pathList,
  mode: oneOf(['enforce', 'audit']),
  kubeconfig: pathString,
  logLevel: oneOf(LOG_LEVELS),
  maxBodyBytes: integerIn(1, 2 ** 31),
  policyConfig: mapping,
  namespaces: namespaceList,
};

/** Parses config text (YAML or JSON); `file` is used for messages and to resolve relative paths. */
export function parseConfig(text: string, file: string): PortcullisConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? lineCounter.linePos(problem.pos[0]).line;
    throw new ConfigError(file, `invalid YAML: ${firstLine(problem.message).replace(/:$/, '')}`, undefined, line);
  }
  const data: unknown = document.toJS();
  const config = emptyConfig();
  if (data === null || data === undefined) return config;
  if (!isPlainObject(data)) throw new ConfigError(file, `the config file must be a mapping of settings (got ${describe(data)})`);
  for (const [key, value] of Object.entries(data)) {
    const check = FIELDS[key];
    if (!check) {
      const hint = suggestion(key);
      throw new ConfigError(file, `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; known keys: ${Object.keys(FIELDS).join(', ')}`, key);
    }
    // null means "not set", as an empty YAML value reads naturally
    if (value === null) continue;
    (config as unknown as Record<string, unknown>)[key] = check(value, key, file);
  }
  return config;
}

/** `metrics-port` -> `metricsPort`, so a flag spelled as on the command line gets a useful hint. */
function suggestion(key: string): string | undefined {
  const camel = key.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
  return Object.keys(FIELDS).find((known) => known.toLowerCase() === camel.toLowerCase());
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
