#!/usr/bin/env node
/** The `portcullis` command line: one file per command, wired here. */
import { Command } from 'commander';
import { auditCommand } from './audit.js';
import { celCommand } from './cel.js';
import { certsCommand } from './certs.js';
import { manifestsCommand } from './manifests.js';
import { serveCommand } from './serve.js';
import { testCommand } from './test.js';

const program = new Command('portcullis')
  .description('Kubernetes admission webhook for CEL and TypeScript policies')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(auditCommand())
  .addCommand(testCommand())
  .addCommand(celCommand())
  .addCommand(certsCommand())
  .addCommand(manifestsCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`portcullis: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
