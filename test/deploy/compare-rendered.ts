/**
 * compare-rendered: do two rendered charts hold the same objects?
 *
 *   node --experimental-strip-types test/deploy/compare-rendered.ts HELM_OUTPUT.yaml test/deploy/rendered-chart.yaml
 *
 * Used by the e2e workflow to check that real `helm template` renders what helm-lite rendered into
 * the committed fixture. Objects are matched by apiVersion/kind/namespace/name and compared as
 * data (formatting, key order and comments do not matter). What Helm generates at random is left
 * out: the generated TLS Secret's data and the webhooks' caBundle (placeholders in the fixture).
 * Exit 0 when equal, 1 with a list of differences otherwise, 2 on bad input.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;

function load(file: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as Obj | null;
    if (object === null || object === undefined) continue;
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    out.set(`${String(object.apiVersion)} ${String(object.kind)} ${meta.namespace ?? '-'}/${meta.name ?? '?'}`, normalise(object));
  }
  return out;
}

function normalise(object: Obj): Obj {
  const copy = structuredClone(object);
  if (copy.kind === 'Secret' && copy.type === 'kubernetes.io/tls') delete copy.data;
  if (copy.kind === 'ValidatingWebhookConfiguration' || copy.kind === 'MutatingWebhookConfiguration') {
    for (const webhook of (copy.webhooks ?? []) as { clientConfig?: Obj }[]) delete webhook.clientConfig?.caBundle;
  }
  return copy;
}

function differences(a: unknown, b: unknown, at: string, out: string[]): void {
  if (isDeepStrictEqual(a, b)) return;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) differences((a as Obj)[key], (b as Obj)[key], `${at}.${key}`, out);
    return;
  }
  out.push(`${at}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

const [leftFile, rightFile] = process.argv.slice(2);
if (!leftFile || !rightFile) {
  process.stderr.write('usage: compare-rendered.ts A.yaml B.yaml\n');
  process.exit(2);
}
let left: Map<string, Obj>;
let right: Map<string, Obj>;
try {
  left = load(leftFile);
  right = load(rightFile);
} catch (error) {
  process.stderr.write(`compare-rendered: ${(error as Error).message}\n`);
  process.exit(2);
}
const problems: string[] = [];
for (const key of new Set([...left.keys(), ...right.keys()])) {
  if (!left.has(key)) problems.push(`only in ${rightFile}: ${key}`);
  else if (!right.has(key)) problems.push(`only in ${leftFile}: ${key}`);
  else differences(left.get(key), right.get(key), key, problems);
}
if (problems.length > 0) {
  process.stderr.write(`${problems.length} difference(s):\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`same ${left.size} objects\n`);
