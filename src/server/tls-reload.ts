/**
 * Certificate rotation in place: cert-manager and kubelet secret projection replace tls.crt and
 * tls.key under a running server (often via a `..data` symlink swap). New connections get the new
 * certificate through setSecureContext; established keep-alive connections keep the old session.
 */
import { watch, type FSWatcher } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { readCertificates } from './certs.js';

export interface CertificateWatcher {
  close(): void;
  /** resolves after the next successful reload (used by tests and logs) */
  reloaded(): Promise<void>;
}

export function watchCertificates(dir: string, server: TlsServer, logger: Logger, debounceMs = 200): CertificateWatcher {
  let timer: NodeJS.Timeout | undefined;
  let lastCert = '';
  let waiters: (() => void)[] = [];

  const reload = async () => {
    try {
      const { certPem, keyPem } = await readCertificates(dir);
      if (certPem === lastCert) return;
      // Building the context first proves the pair matches before the server uses it.
      createSecureContext({ cert: certPem, key: keyPem });
      server.setSecureContext({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' });
      lastCert = certPem;
      logger.info({ dir }, 'serving certificate reloaded');
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    } catch (error) {
      // A half-written rotation (cert updated, key not yet) fails here; the next event retries.
      logger.warn({ dir, err: (error as Error).message }, 'certificate reload failed; keeping the current certificate');
    }
  };

  void readCertificates(dir).then(
    (files) => (lastCert = files.certPem),
    () => undefined,
  );
  const watcher: FSWatcher = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  });
  watcher.on('error', (error) => logger.warn({ dir, err: error.message }, 'certificate watch failed'));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
    reloaded: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
}
