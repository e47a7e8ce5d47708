/**
 * Validates objects against the Kubernetes OpenAPI schemas shipped by kubernetes-models.
 * Kinds it does not ship (CRDs: cert-manager, prometheus-operator) are reported as skipped.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const MODELS_ROOT = path.dirname(require.resolve('kubernetes-models/package.json'));

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** `kubernetes-models/<group>/<version>/<Kind>` (core group: `v1/<Kind>`), or undefined when not shipped. */
export function modelPath(apiVersion: string, kind: string): string | undefined {
  const rel = `${apiVersion}/${kind}.js`;
  return existsSync(path.join(MODELS_ROOT, rel)) ? `kubernetes-models/${apiVersion}/${kind}` : undefined;
}

/** The schema error for `object`, '' when it is valid, or undefined when its kind has no schema here. */
export async function schemaError(object: Record<string, unknown>): Promise<string | undefined> {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const specifier = modelPath(apiVersion, kind);
  if (!specifier) return undefined;
  const module = (await import(specifier)) as Record<string, ModelClass>;
  const Model = module[kind];
  if (!Model) return undefined;
  try {
    new Model(object).validate();
    return '';
  } catch (error) {
    return `${kind} ${String((object.metadata as { name?: string } | undefined)?.name)}: ${(error as Error).message}`;
  }
}
