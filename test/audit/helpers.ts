/** Runs CLI commands in-process with captured streams. */
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../../src/audit/io.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (...parts: string[]): string => path.join(FIXTURES, ...parts);
export const TEST_POLICIES = fixture('policies');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  command: (argv: string[], io: CommandIO) => Promise<number>,
  argv: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; tty?: boolean; stderrTty?: boolean } = {},
): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  if (options.tty) Object.assign(stdout, { isTTY: true });
  if (options.stderrTty) Object.assign(stderr, { isTTY: true });
  const io: CommandIO = {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: options.env ?? {},
  };
  const code = await command(argv, io);
  return { code, stdout: out, stderr: err };
}
