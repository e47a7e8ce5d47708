/**
 * `portcullis manifests`: print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration
 * for the loaded policies, with the CA from --certs (generated there when missing, as `serve` does).
 */
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { FailurePolicy } from '../engine/types.js';
import { emptyConfig, readConfigFile, type PortcullisConfig } from '../loaders/config.js';
import { builtinPolicyDir, loadPolicies } from '../loaders/index.js';
import { ensureCertificates } from '../server/certs.js';
import { buildWebhookConfigurations, DEFAULT_SERVICE_PORT, DEFAULT_TIMEOUT_SECONDS } from '../server/webhook-config.js';

export interface ManifestsSettings {
  certs: string;
  service: string;
  namespace: string;
  /** empty: the built-in policies */
  policies: string[];
  config?: string;
  failurePolicy?: FailurePolicy;
  mutatingFailurePolicy?: FailurePolicy;
  timeoutSeconds?: number;
  port?: number;
  name?: string;
  matchConditions?: boolean;
}

export class PolicyLoadFailedError extends Error {
  readonly code = 'POLICY_LOAD';
  constructor(readonly messages: string[]) {
    super(`cannot build webhook configurations: ${messages.length} policy load error(s):\n  ${messages.join('\n  ')}`);
    this.name = 'PolicyLoadFailedError';
  }
}

/** The YAML stream `portcullis manifests` prints (validating first, then mutating; an absent one is left out). */
export async function renderManifests(settings: ManifestsSettings): Promise<string> {
  const config: PortcullisConfig = settings.config ? readConfigFile(settings.config) : emptyConfig();
  const fromConfig = config.policies ?? [];
  const dirs = settings.policies.length > 0 ? settings.policies : fromConfig.length > 0 ? fromConfig : [builtinPolicyDir()];
  const loaded = await loadPolicies({ dirs, config });
  if (loaded.errors.length > 0) throw new PolicyLoadFailedError(loaded.errors.map((e) => e.message));

  const certs = await ensureCertificates(settings.certs, { service: settings.service, namespace: settings.namespace });
  const { validating, mutating } = buildWebhookConfigurations({
    policies: loaded.policies,
    caBundlePem: certs.caPem,
    service: settings.service,
    namespace: settings.namespace,
    port: settings.port,
    name: settings.name,
    failurePolicy: settings.failurePolicy,
    mutatingFailurePolicy: settings.mutatingFailurePolicy,
    timeoutSeconds: settings.timeoutSeconds,
    matchConditions: settings.matchConditions,
    labels: { 'app.kubernetes.io/name': 'portcullis' },
  });
  return [validating, mutating]
    .filter((doc) => doc !== null)
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n');
}

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${value}`);
  return n;
};

export function manifestsCommand(): Command {
  return new Command('manifests')
    .description('print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration for the loaded policies')
    .option('--certs <dir>', 'folder with ca.crt (a CA and serving certificate are generated there when missing)', 'certs')
    .option('--service <name>', 'name of the Service in front of portcullis', 'portcullis')
    .option('--namespace <name>', 'namespace portcullis runs in (excluded from the webhooks)', 'portcullis')
    .option('--policies <dir>', 'policy folder (repeatable; default: the built-in policies)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--config <file>', 'YAML config file (policies, policyConfig)')
    .addOption(new Option('--failure-policy <policy>', 'validating webhook failurePolicy').choices(['Fail', 'Ignore']).default('Fail'))
    .addOption(
      new Option('--mutating-failure-policy <policy>', 'mutating webhook failurePolicy').choices(['Fail', 'Ignore']).default('Ignore'),
    )
    .option('--timeout-seconds <n>', 'webhook timeoutSeconds (1..30)', integer, DEFAULT_TIMEOUT_SECONDS)
    .option('--port <port>', 'Service port', integer, DEFAULT_SERVICE_PORT)
    .option('--name <name>', 'metadata.name of both configurations', 'portcullis')
    .option('--no-match-conditions', 'leave out matchConditions (Kubernetes older than 1.28)')
    .action(async (options: ManifestsSettings) => {
      process.stdout.write(await renderManifests(options));
    });
}
