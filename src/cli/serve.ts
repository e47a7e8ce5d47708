/**
 * `portcullis serve`: load policies, start the HTTPS webhook and the metrics port, watch policies
 * and certificates, and shut down gracefully on SIGTERM/SIGINT.
 */
import { Command, Option } from 'commander';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { PolicySet } from '../engine/policy-set.js';
import type { ServerMode } from '../engine/types.js';
import { builtinPolicyDir, loadPolicies, readPolicyFolders } from '../loaders/index.js';
import { emptyConfig, readConfigFile, type PortcullisConfig } from '../loaders/config.js';
import { watchPolicies } from '../loaders/watch.js';
import { createLookups } from '../kube/lookups.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { paramKindsOf } from '../kube/params.js';
import { buildServer, DEFAULT_MAX_BODY_BYTES } from '../server/app.js';
import { ensureCertificates } from '../server/certs.js';
import { createMetrics } from '../server/metrics.js';
import { createMetricsServer } from '../server/metrics-server.js';
import { watchCertificates } from '../server/tls-reload.js';

export interface ServeSettings {
  port: number;
  host: string;
  metricsPort: number;
  certs: string;
  policies: string[];
  mode: ServerMode;
  kubeconfig?: string;
  logLevel: string;
  maxBodyBytes: number;
  /** on SIGTERM, keep serving (readyz 503) this long before closing, so endpoints are removed first */
  shutdownDelayMs: number;
  config: PortcullisConfig;
}

/** Flags given on the command line win over the config file, which wins over the defaults. */
export async function resolveServeSettings(options: Record<string, unknown>, command: Command): Promise<ServeSettings> {
  const config: PortcullisConfig = options.config ? readConfigFile(String(options.config)) : emptyConfig();
  const pick = <T>(name: string, fromConfig: T | undefined, fallback: T): T => {
    const source = command.getOptionValueSource(name);
    if (source === 'cli' || source === 'env') return options[name] as T;
    return fromConfig ?? fallback;
  };
  const policies = pick<string[]>('policies', config.policies, []);
  return {
    port: pick('port', config.port, 8443),
    host: pick('host', config.host, '0.0.0.0'),
    metricsPort: pick('metricsPort', config.metricsPort, 9090),
    certs: pick('certs', config.certs, 'certs'),
    policies: policies.length > 0 ? policies : [builtinPolicyDir()],
    mode: pick<ServerMode>('mode', config.mode, 'enforce'),
    kubeconfig: pick<string | undefined>('kubeconfig', config.kubeconfig, undefined),
    logLevel: pick('logLevel', config.logLevel, 'info'),
    maxBodyBytes: pick('maxBodyBytes', config.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    shutdownDelayMs: options.shutdownDelay as number,
    config,
  };
}

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${value}`);
  return n;
};

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the admission webhook (HTTPS) and the metrics endpoint (HTTP)')
    .option('--port <port>', 'HTTPS port', integer, 8443)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--metrics-port <port>', 'plain-HTTP port for /metrics and /healthz', integer, 9090)
    .option('--certs <dir>', 'folder with tls.crt, tls.key, ca.crt (generated when missing)', 'certs')
    .option('--policies <dir>', 'policy folder (repeatable; default: the built-in policies)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--config <file>', 'YAML config file (same keys as the flags, plus policyConfig and namespaces)')
    .addOption(new Option('--mode <mode>', 'enforce, or audit (never deny; report what would be denied)').choices(['enforce', 'audit']).default('enforce'))
    .option('--kubeconfig <file>', 'kubeconfig for namespace labels and params (in-cluster config is detected)')
    .option('--max-body-bytes <n>', 'largest accepted request body', integer, DEFAULT_MAX_BODY_BYTES)
    .option('--shutdown-delay <ms>', 'on SIGTERM, answer readyz 503 but keep serving this long before closing', integer, 2000)
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .action(async (options: Record<string, unknown>, command: Command) => {
      const settings = await resolveServeSettings(options, command);
      const logger = pino({ level: settings.logLevel });
      exitOnSignals(await serve(settings, logger), logger, settings.shutdownDelayMs);
    });
}

export interface RunningServer {
  /** readyz turns 503 at once; after `drainMs` the server stops accepting and finishes in-flight reviews */
  close(drainMs?: number): Promise<void>;
}

export async function serve(settings: ServeSettings, logger: Logger = pino({ level: settings.logLevel })): Promise<RunningServer> {
  const metrics = createMetrics();
  const certs = await ensureCertificates(settings.certs);
  if (certs.generated) logger.info({ dir: settings.certs }, 'generated a CA and serving certificate');

  const loaded = await loadPolicies({ dirs: settings.policies, config: settings.config });
  if (loaded.errors.length > 0) {
    for (const error of loaded.errors) logger.error({ err: error.message }, 'policy load error');
    throw new Error(`cannot start: ${loaded.errors.length} policy load error(s); first: ${loaded.errors[0]?.message}`);
  }
  let policySet = new PolicySet(loaded.policies);
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  // the paramKinds of the folders' policies are read from the cluster too (when connected)
  const paramKindsIn = async (dirs: string[]) => (kubeConfig ? paramKindsOf((await readPolicyFolders(dirs)).documents.map((d) => d.doc)) : []);
  const lookups = createLookups({ kubeConfig, namespaces: loaded.namespaces, params: loaded.params, paramKinds: await paramKindsIn(settings.policies), paramInformer: { onError: (message) => logger.warn(message) } });
  if (kubeConfig && !(await lookups.ready(10_000))) {
    logger.warn('namespace or param informers not synced after 10s; serving with the objects known so far');
  }
  logger.info({ policies: loaded.policies.map((p) => p.name), mode: settings.mode, cluster: lookups.connected }, 'policies loaded');

  let closing = false;
  const app = buildServer({
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    policies: () => policySet,
    lookups,
    mode: settings.mode,
    logger,
    metrics,
    maxBodyBytes: settings.maxBodyBytes,
    ready: () => !closing,
  });
  let reloads = 0; // a slower, older reload must not undo a newer one's paramKinds
  const policyWatcher = watchPolicies(
    {
      dirs: settings.policies,
      config: settings.config,
      onError: (errors) => {
        for (const error of errors) logger.error({ err: error.message }, 'policy change rejected; keeping the last good set');
      },
    },
    (result) => {
      lookups.update({ namespaces: result.namespaces, params: result.params });
      const reload = ++reloads;
      void paramKindsIn(settings.policies).then(
        (paramKinds) => reload === reloads && lookups.update({ paramKinds }),
        (error: unknown) => logger.error({ err: String(error) }, 'cannot read paramKinds after a policy reload'),
      );
      policySet = new PolicySet(result.policies);
      logger.info({ policies: result.policies.map((p) => p.name) }, 'policies reloaded');
    },
  );
  const certWatcher = watchCertificates(settings.certs, app.server, logger);
  const metricsServer: Server = createMetricsServer(metrics.registry);

  await app.listen({ port: settings.port, host: settings.host });
  await new Promise<void>((resolve) => metricsServer.listen(settings.metricsPort, settings.host, resolve));
  const port = (app.server.address() as { port: number }).port;
  const metricsPort = (metricsServer.address() as { port: number }).port;
  logger.info({ port, metricsPort, host: settings.host }, 'portcullis serving');

  const close = async (drainMs = 0) => {
    if (closing) return;
    closing = true;
    // Kubernetes removes the pod from the Service only after readiness fails; until then the
    // apiserver may still open connections here, so keep answering them for a moment.
    // Even without a drain, let the event loop read what is already in socket buffers: Node's close
    // treats a connection whose request bytes are unread as idle and would reset it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(drainMs, 100)));
    policyWatcher.close();
    certWatcher.close();
    metricsServer.close();
    metricsServer.closeAllConnections();
    // Fastify stops accepting, answers every review already received, then closes idle keep-alives.
    await app.close();
    await lookups.close();
  };
  return { close };
}

/**
 * SIGTERM (Kubernetes stopping the pod): drain for `drainMs`, finish in-flight reviews, exit 0.
 * SIGINT (a person at a terminal): the same without the drain. Either way exit 1 past 10 s.
 */
export function exitOnSignals(server: RunningServer, logger: Logger, drainMs: number): void {
  const onSignal = (signal: string) => {
    logger.info({ signal, drainMs: signal === 'SIGTERM' ? drainMs : 0 }, 'shutting down');
    const hard = setTimeout(() => {
      logger.error('shutdown took longer than 10s; exiting');
      process.exit(1);
    }, 10_000);
    hard.unref();
    void server.close(signal === 'SIGTERM' ? Math.min(drainMs, 8000) : 0).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
