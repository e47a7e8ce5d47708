/** `portcullis certs`: write a CA and a serving certificate for a Service. */
import { Command } from 'commander';
import path from 'node:path';
import { CERT_FILES, generateCertificates, serviceDnsNames, writeCertificates } from '../server/certs.js';

export function certsCommand(): Command {
  return new Command('certs')
    .description('generate a CA and a serving certificate (tls.crt, tls.key, ca.crt) for the webhook Service')
    .option('--service <name>', 'Service name', 'portcullis')
    .option('--namespace <name>', 'Service namespace', 'portcullis')
    .option('--out <dir>', 'output folder', 'certs')
    .option('--days <n>', 'validity in days', (v) => Number.parseInt(v, 10), 365)
    .action(async (options: { service: string; namespace: string; out: string; days: number }) => {
      const files = await generateCertificates(options);
      await writeCertificates(options.out, files);
      const names = [...serviceDnsNames(options.service, options.namespace), 'localhost', '127.0.0.1', '::1'];
      process.stdout.write(
        `wrote ${Object.values(CERT_FILES).map((f) => path.join(options.out, f)).join(', ')}\nSANs: ${names.join(', ')}\n`,
      );
    });
}
