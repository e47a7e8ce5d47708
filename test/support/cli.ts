/** Runs the real `portcullis` command line (TypeScript sources through tsx) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// node with tsx as a loader (not the tsx CLI, which runs node as a child and would stand between
// the test and the server's signal handling)
const node = path.join(repoRoot, 'node_modules/.bin/node');
const main = path.join(repoRoot, 'src/cli/main.ts');

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  /** every log line so far (pino JSON) */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Starts `portcullis serve` on free loopback ports and resolves once it logs that it is serving. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(node, ['--import', 'tsx', main, 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'portcullis serving') resolve({ port: entry.port as number, metricsPort: entry.metricsPort as number });
      }
    });
    void exited.then((code) => reject(new Error(`portcullis serve exited with ${code} before serving: ${stderr}`)));
  });
  const { port, metricsPort } = await ready;
  return { child, port, metricsPort, logs, exited };
}
