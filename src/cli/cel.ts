/**
 * `portcullis cel`: evaluate one expression in the CEL environment the policies use.
 *
 *   portcullis cel --expr "object.spec.replicas <= 5" --object deploy.yaml
 *
 * Prints the result as JSON on stdout. A compile error or an unreadable input file fails the
 * command (the CLI exits 2 with the message); an evaluation error is printed on stderr, exit 1.
 */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { CelCostLimitError, CelEvaluationError, createCelEnvironment, type CelInput } from '../cel/index.js';

export class CelCommandError extends Error {
  readonly code = 'CEL_CLI' as const;
  override readonly name = 'CelCommandError';
}

interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Reads a YAML or JSON file holding exactly one document. */
async function readObject(option: string, file: string | undefined): Promise<unknown> {
  if (file === undefined) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CelCommandError(`cannot read ${option} file '${file}': ${(error as Error).message}`, { cause: error });
  }
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new CelCommandError(`${option} file '${file}' is empty`);
  const withContent = documents.filter((d) => d.contents !== null);
  for (const document of documents) {
    const problem = document.errors[0];
    if (problem) {
      const line = problem.linePos?.[0].line;
      throw new CelCommandError(`${option} file '${file}' is not valid YAML or JSON${line ? ` (line ${line})` : ''}: ${problem.message.split('\n')[0]}`);
    }
  }
  if (withContent.length === 0) throw new CelCommandError(`${option} file '${file}' is empty`);
  if (withContent.length > 1) throw new CelCommandError(`${option} file '${file}' holds ${withContent.length} documents; give one`);
  return withContent[0]?.toJS() as unknown;
}

/** A request like the apiserver's for the given objects, so `request.*` expressions can be tried. */
function requestFor(object: unknown, oldObject: unknown): Record<string, unknown> {
  const subject = (object ?? oldObject) as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null;
  const [group, version] = subject?.apiVersion?.includes('/') ? subject.apiVersion.split('/') : ['', subject?.apiVersion ?? ''];
  const operation = object === null ? 'DELETE' : oldObject === null ? 'CREATE' : 'UPDATE';
  return {
    operation,
    kind: { group, version, kind: subject?.kind ?? '' },
    name: subject?.metadata?.name ?? '',
    namespace: subject?.metadata?.namespace ?? '',
    userInfo: { username: 'portcullis-cli' },
    dryRun: false,
  };
}

export interface CelCommandOptions {
  expr: string;
  object?: string;
  oldObject?: string;
  params?: string;
  namespace?: string;
  request?: string;
}

export async function runCel(options: CelCommandOptions, output: Output): Promise<number> {
  const env = createCelEnvironment();
  const object = await readObject('--object', options.object);
  const oldObject = await readObject('--old-object', options.oldObject);
  const input: CelInput = {
    object,
    oldObject,
    params: await readObject('--params', options.params),
    namespaceObject: await readObject('--namespace', options.namespace),
    request: options.request ? await readObject('--request', options.request) : requestFor(object, oldObject),
  };
  let program;
  try {
    program = env.compile(options.expr, { field: '--expr' });
  } catch (error) {
    throw new CelCommandError((error as Error).message, { cause: error });
  }
  try {
    const result = program.evaluate(env.activation(input));
    output.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CelEvaluationError || error instanceof CelCostLimitError) {
      output.stderr.write(`portcullis: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export function celCommand(output: Output = process): Command {
  return new Command('cel')
    .description('evaluate a CEL expression in the environment ValidatingAdmissionPolicies see; prints the result as JSON')
    .requiredOption('--expr <expression>', 'the CEL expression')
    .option('--object <file>', 'YAML or JSON file bound to `object`')
    .option('--old-object <file>', 'YAML or JSON file bound to `oldObject` (null when absent: a CREATE)')
    .option('--params <file>', 'YAML or JSON file bound to `params`')
    .option('--namespace <file>', 'YAML or JSON Namespace bound to `namespaceObject`')
    .option('--request <file>', 'YAML or JSON AdmissionRequest bound to `request` (default: derived from the objects)')
    .action(async (options: CelCommandOptions) => {
      const code = await runCel(options, output);
      if (code !== 0) process.exitCode = code;
    });
}
