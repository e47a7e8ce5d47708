/**
 * `portcullis test PATH...`: run policy test suites (files, or folders searched for *.test.yaml).
 * Exit code 0: every check held; 1: a check failed (including a wanted failure that passed);
 * 2: a suite or a policy file is bad (named on stderr).
 */
import { Command } from 'commander';
import { processIO, useColor, writeAll, type CommandIO } from '../audit/io.js';
import { findSuites, formatSuiteResult, readSuite, runSuite } from '../audit/policy-test.js';
import type { LoadedPolicies } from '../audit/policies.js';
import { EXIT_BAD_INPUT, EXIT_DENIED, EXIT_OK } from '../audit/run.js';
import { guarded, runCommandInProcess } from './audit.js';

export async function runTests(paths: string[], io: CommandIO): Promise<number> {
  const color = useColor(io.stdout, io.env);
  const files = await findSuites(paths);
  // Read every suite first: a malformed one stops the run before anything is reported as passing.
  const suites = [];
  for (const file of files) suites.push(await readSuite(file));
  const cache = new Map<string, Promise<LoadedPolicies>>();
  let checks = 0;
  let failed = 0;
  let cases = 0;
  for (const suite of suites) {
    const result = await runSuite(suite, cache);
    cases += suite.cases.length;
    checks += result.checks.length;
    failed += result.checks.filter((c) => !c.ok).length;
    await writeAll(io.stdout, formatSuiteResult(result, { color }));
  }
  await writeAll(
    io.stdout,
    `\n${suites.length} suite(s), ${cases} case(s), ${checks} check(s): ${checks - failed} passed, ${failed} failed\n`,
  );
  return failed > 0 ? EXIT_DENIED : EXIT_OK;
}

function defineTestCommand(io: CommandIO, done: (code: number) => void): Command {
  return new Command('test')
    .description('run policy test suites (files, or folders holding *.test.yaml); exit 1 on any mismatch')
    .argument('<paths...>', 'suite files or folders')
    .action(async (paths: string[]) => {
      done(await guarded(() => runTests(paths, io), io));
    });
}

/** The command for src/cli/main.ts; the exit code goes to process.exitCode. */
export function testCommand(io: CommandIO = processIO()): Command {
  return defineTestCommand(io, (code) => {
    process.exitCode = code;
  }).exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  });
}

export function runTestCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommandInProcess(defineTestCommand, argv, io);
}
