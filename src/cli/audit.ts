/**
 * `portcullis audit`: what would the policies deny? Offline on manifests (-f) or on a live cluster
 * (--cluster). Exit code 0: nothing would be denied; 1: something would; 2: bad input.
 */
import { Command, CommanderError, Option } from 'commander';
import type { Operation } from '../admission/types.js';
import { processIO, writeAll, type CommandIO } from '../audit/io.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../audit/output.js';
import { EXIT_BAD_INPUT, runAudit, type AuditOptions } from '../audit/run.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CommanderError(EXIT_BAD_INPUT, 'portcullis.badNumber', `not a positive integer: ${value}`);
  return n;
};

function defineAuditCommand(io: CommandIO, done: (code: number) => void): Command {
  return new Command('audit')
    .description('evaluate manifests (-f) or a cluster (--cluster) against the policies; exit 1 when something would be denied')
    .option('-f, --filename <path>', 'file, folder (recursive) or - for stdin; repeatable', collect, [])
    .option('--cluster', 'audit the objects in the cluster (kubeconfig or in-cluster config)', false)
    .option('--policies <dir>', 'policy folder (repeatable; default: the built-in policies)', collect, [])
    .option('--policy <name>', 'only this policy (repeatable)', collect, [])
    .option('--config <file>', 'portcullis config file (policyConfig, namespaces, policies)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addOption(new Option('--operation <op>', 'operation of the synthetic requests (-f only)').choices(['CREATE', 'UPDATE', 'DELETE']).default('CREATE'))
    .option('--old <path>', 'previous versions of the objects, for --operation UPDATE (repeatable)', collect, [])
    .option('--namespace-labels <spec>', 'labels of a namespace, NS:KEY=VALUE[,KEY=VALUE...] (repeatable; -f only)', collect, [])
    .option('--kubeconfig <file>', 'kubeconfig for --cluster (default: in-cluster, KUBECONFIG, ~/.kube/config)')
    .option('-n, --namespace <ns>', 'with --cluster: only this namespace (repeatable)', collect, [])
    .option('--write-reports', 'with --cluster: create or update PolicyReport/ClusterPolicyReport objects', false)
    .option('--page-size <n>', 'with --cluster: objects per list request', positiveInteger, 500)
    .option('--no-mutate', 'validate objects as written, without applying the mutating policies first')
    .action(async (raw: Record<string, unknown>) => {
      const options: AuditOptions = {
        files: raw.filename as string[],
        cluster: raw.cluster === true,
        policies: raw.policies as string[],
        policy: raw.policy as string[],
        ...(typeof raw.config === 'string' ? { config: raw.config } : {}),
        output: raw.output as OutputFormat,
        operation: raw.operation as Operation,
        old: raw.old as string[],
        namespaceLabels: raw.namespaceLabels as string[],
        ...(typeof raw.kubeconfig === 'string' ? { kubeconfig: raw.kubeconfig } : {}),
        namespaces: raw.namespace as string[],
        writeReports: raw.writeReports === true,
        pageSize: raw.pageSize as number,
        mutate: raw.mutate !== false,
      };
      done(await guarded(() => runAudit(options, io), io));
    });
}

/** Any error ends the command with exit 2 and one line naming what was wrong: nothing was judged. */
export async function guarded(run: () => Promise<number>, io: CommandIO): Promise<number> {
  try {
    return await run();
  } catch (error) {
    await writeAll(io.stderr, `portcullis: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_BAD_INPUT;
  }
}

/** The command for src/cli/main.ts; the exit code goes to process.exitCode. */
export function auditCommand(io: CommandIO = processIO()): Command {
  return defineAuditCommand(io, (code) => {
    process.exitCode = code;
  }).exitOverride((error) => {
    // Usage errors are bad input (2); --help is not an error.
    process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  });
}

/**
 * Runs a command in-process: argv without the command name, streams of our choosing; returns the
 * exit code. Usage errors (unknown flag, bad choice) give 2.
 */
export async function runCommandInProcess(
  define: (io: CommandIO, done: (code: number) => void) => Command,
  argv: string[],
  io: CommandIO,
): Promise<number> {
  let code = 0;
  const command = define(io, (c) => {
    code = c;
  })
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  try {
    await command.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    throw error;
  }
  return code;
}

export function runAuditCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommandInProcess(defineAuditCommand, argv, io);
}
