import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, readConfigFile } from '../../src/loaders/config.js';
import { makeTree, removeTree } from './helpers.js';

const FILE = '/etc/portcullis/config.yaml';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads every setting, resolving paths against the config file folder', () => {
    const config = parseConfig(
      [
        'port: 9443',
        'host: 127.0.0.1',
        'metricsPort: 0',
        'certs: ./certs',
        'policies: [policies, /abs/more]',
        'mode: audit',
        'kubeconfig: kube/config',
        'logLevel: debug',
        'maxBodyBytes: 1048576',
        'policyConfig:',
        '  pod-security: {defaults: {enforce: baseline}}',
        'namespaces:',
        '- metadata: {name: team-a, labels: {tier: web}}',
      ].join('\n'),
      FILE,
    );
    expect(config).toEqual({
      port: 9443,
      host: '127.0.0.1',
      metricsPort: 0,
      certs: '/etc/portcullis/certs',
      policies: ['/etc/portcullis/policies', '/abs/more'],
      mode: 'audit',
      kubeconfig: '/etc/portcullis/kube/config',
      logLevel: 'debug',
      maxBodyBytes: 1048576,
      policyConfig: { 'pod-security': { defaults: { enforce: 'baseline' } } },
      namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { tier: 'web' } } }],
    });
  });

  it('gives an empty config for an empty file and treats null values as unset', () => {
    expect(parseConfig('', FILE)).toEqual({ policyConfig: {}, namespaces: [] });
    expect(parseConfig('port:\n', FILE)).toEqual({ policyConfig: {}, namespaces: [] });
  });

  it('accepts one policies folder as a string', () => {
    expect(parseConfig('policies: p', FILE).policies).toEqual(['/etc/portcullis/p']);
  });

  it('rejects an unknown key naming the key and the file, with a hint for a flag spelling', () => {
    const error = errorOf('metrics-port: 9090');
    expect(error.message).toBe(
      "/etc/portcullis/config.yaml: unknown key 'metrics-port' (did you mean 'metricsPort'?); known keys: port, host, metricsPort, certs, policies, mode, kubeconfig, logLevel, maxBodyBytes, policyConfig, namespaces",
    );
    expect(error.key).toBe('metrics-port');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(errorOf('colour: blue').message).toMatch(/^\/etc\/portcullis\/config\.yaml: unknown key 'colour'; known keys: /);
  });

  it.each([
    ['port: "8443"', 'port', 'port must be an integer from 1 to 65535 (got "8443")'],
    ['port: 70000', 'port', 'port must be an integer from 1 to 65535 (got number 70000)'],
    ['metricsPort: 1.5', 'metricsPort', 'metricsPort must be an integer from 0 to 65535 (got number 1.5)'],
    ['host: ""', 'host', 'host must be a non-empty string (got "")'],
    ['mode: dryrun', 'mode', 'mode must be one of enforce, audit (got "dryrun")'],
    ['logLevel: verbose', 'logLevel', 'logLevel must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    ['maxBodyBytes: 0', 'maxBodyBytes', 'maxBodyBytes must be an integer from 1 to 2147483648 (got number 0)'],
    ['policies: []', 'policies', 'policies must be a list of folder paths (got a list)'],
    ['policies: [a, 3]', 'policies[1]', 'policies[1] must be a non-empty string (got number 3)'],
    ['certs: {dir: x}', 'certs', 'certs must be a non-empty string (got a mapping)'],
    ['policyConfig: [a]', 'policyConfig', 'policyConfig must be a mapping (got a list)'],
    ['namespaces: {a: b}', 'namespaces', 'namespaces must be a list of Namespace objects (got a mapping)'],
    ['namespaces: [{metadata: {}}]', 'namespaces[0].metadata.name', 'namespaces[0].metadata.name must be a non-empty string'],
    ['namespaces: [{kind: Pod, metadata: {name: x}}]', 'namespaces[0].kind', 'namespaces[0].kind must be Namespace (got "Pod")'],
    ['namespaces: [{metadata: {name: x, labels: {a: 1}}}]', 'namespaces[0].metadata.labels', 'namespaces[0].metadata.labels must map names to strings'],
  ])('rejects %s naming the key', (text, key, message) => {
    const error = errorOf(text);
    expect(error.key).toBe(key);
    expect(error.message).toBe(`${FILE}: ${message}`);
  });

  it('rejects a config that is not a mapping', () => {
    expect(errorOf('- port: 1').message).toBe(`${FILE}: the config file must be a mapping of settings (got a list)`);
  });

  it('rejects invalid YAML with the line', () => {
    const error = errorOf('port: 1\nmode: audit: x\n');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^\/etc\/portcullis\/config\.yaml:2: invalid YAML: Nested mappings are not allowed/);
  });
});

describe('readConfigFile', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTree({ 'portcullis.yaml': 'mode: enforce\npolicies: [./mine]\n' });
  });
  afterAll(() => removeTree(root));

  it('reads a file', () => {
    const config = readConfigFile(path.join(root, 'portcullis.yaml'));
    expect(config.mode).toBe('enforce');
    expect(config.policies).toEqual([path.join(root, 'mine')]);
  });

  it('names a missing file', () => {
    const file = path.join(root, 'nope.yaml');
    expect(() => readConfigFile(file)).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: cannot read config file: ENOENT`));
  });
});
