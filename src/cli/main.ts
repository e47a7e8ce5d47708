#!/usr/bin/env node
/** The `portcullis` command line: one file per command, wired here. */
import { Command } from 'commander';
import { certsCommand } from './certs.js';
import { serveCommand } from './serve.js';

const program = new Command('portcullis')
  .description('Kubernetes admission webhook for CEL and TypeScript policies')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(certsCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`portcullis: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
