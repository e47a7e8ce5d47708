/**
 * Development and install-time certificates: a CA and a serving certificate signed by it, whose
 * SANs cover the in-cluster Service names and loopback, so the same files work for `npm start`,
 * the tests and a cluster. Private keys are written 0600 and never logged.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface CertificateOptions {
  service?: string;
  namespace?: string;
  /** validity in days (default 365) */
  days?: number;
}

export interface CertificateFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
  generated: boolean;
}

export const CERT_FILES = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export async function generateCertificates(options: CertificateOptions = {}): Promise<Omit<CertificateFiles, 'generated'>> {
  const service = options.service ?? 'portcullis';
  const namespace = options.namespace ?? 'portcullis';
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + (options.days ?? 365) * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'portcullis-ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const dnsNames = [...serviceDnsNames(service, namespace), 'localhost'];
  const serving = await generate([{ name: 'commonName', value: `${service}.${namespace}.svc` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dnsNames.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: serving.cert, keyPem: serving.private };
}

export async function writeCertificates(dir: string, files: Omit<CertificateFiles, 'generated'>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, CERT_FILES.ca), files.caPem, { mode: 0o644 });
  await writeFile(path.join(dir, CERT_FILES.key), files.keyPem, { mode: 0o600 });
  await writeFile(path.join(dir, CERT_FILES.cert), files.certPem, { mode: 0o644 });
}

export async function readCertificates(dir: string): Promise<Omit<CertificateFiles, 'generated'>> {
  const [certPem, keyPem, caPem] = await Promise.all([
    readFile(path.join(dir, CERT_FILES.cert), 'utf8'),
    readFile(path.join(dir, CERT_FILES.key), 'utf8'),
    readFile(path.join(dir, CERT_FILES.ca), 'utf8'),
  ]);
  return { certPem, keyPem, caPem };
}

/** Read the certificates in `dir`, generating all three files when tls.crt or tls.key is missing. */
export async function ensureCertificates(dir: string, options: CertificateOptions = {}): Promise<CertificateFiles> {
  try {
    return { ...(await readCertificates(dir)), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const files = await generateCertificates(options);
  await writeCertificates(dir, files);
  return { ...files, generated: true };
}
