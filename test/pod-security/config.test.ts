/** PodSecurityConfiguration (policyConfig.pod-security): defaulting, validation errors, memoisation. */
import { describe, expect, it } from 'vitest';
import { configurationFor, DEFAULT_CONFIGURATION, PodSecurityConfigError, resolveConfiguration } from '../../policies/pod-security/config.js';
import { byAction, restrictedPod, validate } from './helpers.js';

function problemsOf(input: unknown): readonly string[] {
  try {
    resolveConfiguration(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PodSecurityConfigError);
    expect((error as PodSecurityConfigError).code).toBe('POD_SECURITY_CONFIG');
    return (error as PodSecurityConfigError).problems;
  }
  throw new Error('expected a PodSecurityConfigError');
}

describe('PodSecurityConfiguration', () => {
  it('the embedded default: enforce baseline, audit and warn restricted, all latest, kube-system exempt', () => {
    const resolved = resolveConfiguration(DEFAULT_CONFIGURATION);
    expect(resolved.defaults.enforce).toMatchObject({ level: 'baseline', version: { text: 'latest' } });
    expect(resolved.defaults.audit).toMatchObject({ level: 'restricted', version: { text: 'latest' } });
    expect(resolved.defaults.warn).toMatchObject({ level: 'restricted', version: { text: 'latest' } });
    expect([...resolved.exemptNamespaces]).toEqual(['kube-system']);
  });

  it('unset defaults read as privileged / latest, as Kubernetes v1 defaulting does', () => {
    const resolved = resolveConfiguration({ exemptions: { namespaces: ['ops'] } });
    expect(resolved.defaults.enforce.level).toBe('privileged');
    expect(resolved.defaults.warn.level).toBe('privileged');
    expect(resolved.defaults.audit.version.text).toBe('latest');
    expect([...resolved.exemptNamespaces]).toEqual(['ops']);
  });

  it('names every bad field', () => {
    expect(
      problemsOf({
        defaults: { enforce: 'strict', 'warn-version': 'v2.0', auditt: 'baseline' },
        exemptions: { namespaces: ['Kube_System', 'ok', 'ok'], usernames: [''], runtimeClasses: ['gVisor'] },
      }),
    ).toEqual([
      'defaults.auditt: unknown field (expected enforce, enforce-version, audit, audit-version, warn, warn-version)',
      'defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'defaults.warn-version: Invalid value: "v2.0": must be "latest" or "v1.x"',
      `exemptions.namespaces[0]: Invalid value: "Kube_System": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      'exemptions.namespaces[2]: Duplicate value: "ok"',
      `exemptions.runtimeClasses[0]: Invalid value: "gVisor": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      'exemptions.usernames[0]: Invalid value: "": username must not be empty',
    ]);
  });

  it('rejects shapes that are not a configuration', () => {
    expect(problemsOf('baseline')).toEqual(['must be a PodSecurityConfiguration object (got "baseline")']);
    expect(problemsOf({ defaults: ['baseline'] })).toEqual(['defaults: must be an object']);
    expect(problemsOf({ defaults: { enforce: 3 } })).toEqual(['defaults.enforce: must be a string']);
    expect(problemsOf({ exemptions: { namespaces: 'kube-system' } })).toEqual(['exemptions.namespaces: must be a list of strings']);
    expect(problemsOf({ mode: 'enforce' })).toEqual(['mode: unknown field (expected defaults, exemptions)']);
  });

  it('the error message names the config key', () => {
    expect(() => resolveConfiguration({ defaults: { enforce: 'x' } })).toThrow(
      'invalid Pod Security configuration (policyConfig.pod-security): defaults.enforce: Invalid value: "x": must be one of privileged, baseline, restricted',
    );
  });

  it('is checked once per configuration object, and a bad one keeps failing (the failurePolicy decides)', () => {
    const config = Object.freeze({ defaults: Object.freeze({ enforce: 'restricted' }) });
    expect(configurationFor(config)).toBe(configurationFor(config));
    const bad = Object.freeze({ defaults: Object.freeze({ enforce: 'nope' }) });
    expect(() => configurationFor(bad)).toThrow(PodSecurityConfigError);
    expect(() => configurationFor(bad)).toThrow(PodSecurityConfigError);
    expect(() => validate(restrictedPod(), { config: bad })).toThrow('defaults.enforce: Invalid value: "nope"');
  });

  it('a configured default is what a namespace without labels gets', () => {
    const out = validate({ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } }, {
      config: { defaults: { enforce: 'restricted', 'enforce-version': 'v1.7' } },
    });
    expect(byAction(out, 'Deny').messages).toEqual([
      'violates PodSecurity "restricted:v1.7": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
    ]);
  });
});
